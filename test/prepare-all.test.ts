import fs from "node:fs";
import path from "node:path";
import Module from "node:module";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import ts from "typescript";
import pg from "pg";
import { renderDdl, Schema } from "closql";
import { databaseUrl } from "./support/database";

/**
 * Issue 7, class 8: every statement the build accepts must at least PREPARE. Reads the statements
 * folded into every compiled test module (the hoisted `__closql_q…` constants, as
 * tools/compare-emit.js extracts them), creates the tables each module's schemas declare (found by
 * loading the module with node:test stubbed out and recording every `relations(…)` call), and
 * PREPAREs each statement where its tables exist. The fuzzer PREPAREs its own statements
 * (test/support/fuzz-runner.ts).
 */
const dist = __dirname;
const root = path.resolve(dist, "..");

interface Statement {
  readonly file: string;
  readonly name: string;
  readonly text: string;
  readonly source: string;
}

function compiledModules(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "fixtures" ? [] : compiledModules(p);
    return e.name.endsWith(".js") ? [p] : [];
  });
}

/** The `text` of every hoisted `__closql_q…` constant (folded statements) of one emitted file. */
function statementsOf(file: string): Statement[] {
  const code = fs.readFileSync(file, "utf8");
  const sf = ts.createSourceFile(file, code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const out: Statement[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isVariableDeclaration(node) &&
      ts.isIdentifier(node.name) &&
      node.name.text.startsWith("__closql_q") &&
      node.initializer &&
      ts.isObjectLiteralExpression(node.initializer)
    ) {
      const object = node.initializer;
      const field = (key: string) => {
        const p = object.properties.find(
          (x): x is ts.PropertyAssignment => ts.isPropertyAssignment(x) && x.name.getText(sf) === key,
        );
        return p && (ts.isStringLiteral(p.initializer) || ts.isNoSubstitutionTemplateLiteral(p.initializer))
          ? p.initializer.text
          : undefined;
      };
      const text = field("text");
      if (text !== undefined)
        out.push({ file, name: node.name.text, text, source: field("source") ?? path.relative(root, file) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/**
 * The schemas a compiled module declares: the module (and the support modules it imports, freshly)
 * is loaded with node:test replaced by stubs that run describe bodies but no test or hook, while
 * closql's `relations` records what it returns.
 */
function schemasOf(file: string): { schemas: Schema[]; error?: string } {
  const relationsModule = require(path.join(path.dirname(require.resolve("closql")), "schema/relations.js")) as {
    relations: (...args: unknown[]) => Schema;
  };
  const original = relationsModule.relations;
  const schemas: Schema[] = [];
  relationsModule.relations = (...args: unknown[]) => {
    const s = original(...args);
    schemas.push(s);
    return s;
  };
  const noop = () => undefined;
  const describe = (...args: unknown[]) => {
    const fn = args.find((a) => typeof a === "function") as (() => void) | undefined;
    fn?.();
  };
  const stub = Object.assign(noop, {
    test: noop,
    it: noop,
    describe,
    suite: describe,
    before: noop,
    after: noop,
    beforeEach: noop,
    afterEach: noop,
    mock: {},
  });
  const load = (Module as any)._load;
  (Module as any)._load = function (request: string, ...rest: unknown[]) {
    if (request === "node:test" || request === "test") return stub;
    return load.call(this, request, ...rest);
  };
  for (const key of Object.keys(require.cache))
    if (key.startsWith(dist) && !key.endsWith("prepare-all.test.js")) delete require.cache[key];
  try {
    require(file);
    return { schemas };
  } catch (e) {
    return { schemas, error: (e as Error).message };
  } finally {
    (Module as any)._load = load;
    relationsModule.relations = original;
  }
}

const modules = compiledModules(dist).filter((f) => !f.endsWith("prepare-all.test.js"));
const statements = modules.flatMap(statementsOf);
let client: pg.Client;
/** Namespace per distinct DDL, and the namespaces each compiled module's schemas created. */
const namespaceByDdl = new Map<string, string>();
const namespacesOf = new Map<string, string[]>();
const loadErrors: string[] = [];
const EXTENSIONS = `prep_${process.pid}_extensions`;

before(async () => {
  client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  if (process.env.CLOSQL_EMBEDDED === "1") await client.query("DEALLOCATE ALL");
  // Extensions test files create for the SQL functions they declare (language.test.ts), in a
  // namespace of their own that every PREPARE sees (when not installed already elsewhere).
  await client.query(`DROP SCHEMA IF EXISTS ${EXTENSIONS} CASCADE`);
  await client.query(`CREATE SCHEMA ${EXTENSIONS}`);
  for (const ext of ["pg_trgm", "fuzzystrmatch"])
    await client.query(`CREATE EXTENSION IF NOT EXISTS ${ext} SCHEMA ${EXTENSIONS}`).catch(() => undefined);
  // Only test files are loaded (a support module may be a script that runs when loaded); statements
  // of other modules try every schema the test files declared.
  for (const file of modules) {
    if (!file.endsWith(".test.js") || !statementsOf(file).length) continue;
    const { schemas, error } = schemasOf(file);
    if (error) loadErrors.push(`${path.relative(root, file)}: ${error}`);
    const names: string[] = [];
    for (const schema of schemas) {
      const ddl = renderDdl(schema);
      const key = ddl.join(";\n");
      let ns = namespaceByDdl.get(key);
      if (!ns) {
        ns = `prep_${process.pid}_${namespaceByDdl.size}`;
        await client.query(`DROP SCHEMA IF EXISTS ${ns} CASCADE`);
        await client.query(`CREATE SCHEMA ${ns}`);
        await client.query(`SET search_path TO ${ns}`);
        try {
          for (const statement of ddl) await client.query(statement);
        } catch (e) {
          loadErrors.push(`${path.relative(root, file)}: DDL: ${(e as Error).message}`);
        }
        namespaceByDdl.set(key, ns);
      }
      names.push(ns);
    }
    namespacesOf.set(file, names);
  }
});

after(async () => {
  for (const ns of [...namespaceByDdl.values(), EXTENSIONS]) await client.query(`DROP SCHEMA IF EXISTS ${ns} CASCADE`);
  await client.query("RESET search_path");
  await client.end();
});

/**
 * A test that checks how a server error surfaces writes its query to fail, and says so on the line
 * before it: `// prepare-all: fails on purpose`.
 */
function failsOnPurpose(source: string): boolean {
  const [file, line] = source.split(":");
  const lines = fs.readFileSync(path.resolve(__dirname, "../..", file), "utf8").split("\n");
  return /prepare-all: fails on purpose/.test(lines[Number(line) - 2] ?? "");
}

async function prepareIn(ns: string, text: string): Promise<string | undefined> {
  await client.query(`SET search_path TO ${ns}, ${EXTENSIONS}, public`);
  try {
    await client.query(`PREPARE closql_prepare_all AS ${text}`);
    await client.query("DEALLOCATE closql_prepare_all");
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

test("the compiled test modules fold statements to check", () => {
  assert.ok(statements.length > 100, `only ${statements.length} statements found under ${dist}`);
});

test(`every statement folded in the compiled tests PREPAREs on the server`, async () => {
  const failures: string[] = [];
  let prepared = 0;
  for (const s of statements) {
    if (failsOnPurpose(s.source)) continue;
    // The module's own schemas first; then every other one (a schema built by a helper elsewhere).
    const own = namespacesOf.get(s.file) ?? [];
    const candidates = [...own, ...[...namespaceByDdl.values()].filter((n) => !own.includes(n))];
    let firstError: string | undefined;
    let ok = false;
    for (const ns of candidates) {
      const error = await prepareIn(ns, s.text);
      if (!error) {
        ok = true;
        break;
      }
      // A missing relation only means the wrong schema; any other error is the statement's own.
      if (!/relation .* does not exist/.test(error)) firstError ??= error;
    }
    if (ok) prepared++;
    else failures.push(`${s.source}: ${firstError ?? "no schema declares its tables"}\n  ${s.text.slice(0, 300)}`);
  }
  console.log(
    `# prepare-all: ${prepared} of ${statements.length} statements from ${modules.length} compiled modules PREPAREd (${namespaceByDdl.size} schemas)`,
  );
  if (loadErrors.length)
    console.log(`# modules whose schemas could not all be read:\n#   ${loadErrors.join("\n#   ")}`);
  assert.equal(failures.length, 0, failures.slice(0, 20).join("\n"));
});

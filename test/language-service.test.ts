import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { root } from "./support/hosts";

// The language-service plugin, through TypeScript's language service API in-process, as tsserver
// drives it: closql's diagnostics beside TypeScript's, the SQL of a query on hover, both following
// edits. The plugin is loaded the way tsserver finds it: the file its name resolves to without
// package.json `exports`.

const plugin = require(path.join(root, "packages/transformer/language-service.js")) as (modules: {
  typescript: typeof ts;
}) => ts.server.PluginModule;

const dir = path.join(root, "test/fixtures/.generated/language-service");
const file = path.join(dir, "index.ts");
const source = fs.readFileSync(path.join(root, "test/fixtures/tspc-project/index.ts"), "utf8");
const okQuery = `SELECT "id", "n" FROM "counters" WHERE "id" = 1 LIMIT 1`;

/** A language service over one file whose text the test edits, with the plugin on top. */
function editor(typescript: typeof ts) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, source);
  let text = source;
  let version = 0;
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => ({
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      skipLibCheck: true,
      types: [],
    }),
    getScriptFileNames: () => [file],
    getScriptVersion: (f) => (f === file ? String(version) : "0"),
    getScriptSnapshot: (f) => {
      const t = f === file ? text : ts.sys.readFile(f);
      return t === undefined ? undefined : ts.ScriptSnapshot.fromString(t);
    },
    getCurrentDirectory: () => dir,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
    realpath: ts.sys.realpath,
  };
  const languageService = ts.createLanguageService(host, ts.createDocumentRegistry());
  const logged: string[] = [];
  const info = {
    languageService,
    languageServiceHost: host,
    project: { projectService: { logger: { info: (m: string) => logged.push(m) } } },
    config: {},
    serverHost: ts.sys,
  } as unknown as ts.server.PluginCreateInfo;
  const service = plugin({ typescript }).create(info);
  return {
    service,
    logged,
    edit(next: string) {
      text = next;
      version++;
    },
    text: () => text,
  };
}

function closqlDiagnostics(service: ts.LanguageService) {
  return service
    .getSemanticDiagnostics(file)
    .filter((d) => d.code >= 91000)
    .map((d) => {
      const { line, character } = d.file!.getLineAndCharacterOfPosition(d.start!);
      return `${line + 1}:${character + 1} TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
}

function hover(service: ts.LanguageService, text: string, at: string): string {
  const info = service.getQuickInfoAtPosition(file, text.indexOf(at));
  return ts.displayPartsToString(info?.documentation);
}

for (const [name, typescript] of [
  ["the editor's TypeScript 6.0 (the editor's own program)", ts],
  // Another TypeScript in the editor: the plugin keeps a program of its own over the same files.
  ["another TypeScript version in the editor (a program of its own)", { ...ts, version: "5.9.3" }],
] as const)
  test(`language-service plugin with ${name}: diagnostics and the SQL on hover, following edits`, () => {
    const e = editor(typescript as typeof ts);
    assert.match(e.logged.join("\n"), new RegExp(`plugin on TypeScript ${typescript.version.replace(/\./g, "\\.")}`));
    assert.deepEqual(closqlDiagnostics(e.service), [
      "7:45 TS91003 closql: an ordering comparison with a nullable operand: JavaScript converts null to 0 (`null < 1` is true), SQL yields NULL. Check for null first: `x !== null && x < 1`.",
    ]);
    // TypeScript's own diagnostics are still there (none here).
    assert.equal(e.service.getSemanticDiagnostics(file).length, 1);
    assert.match(hover(e.service, e.text(), "first()"), new RegExp(`\`\`\`sql\\n${escape(okQuery)}\\n\`\`\``));
    assert.match(hover(e.service, e.text(), "where((c) => c.id"), new RegExp(escape(okQuery)));
    // The type information TypeScript shows is kept.
    const quickInfo = e.service.getQuickInfoAtPosition(file, e.text().indexOf("first()"))!;
    assert.match(ts.displayPartsToString(quickInfo.displayParts), /\.first\(options\?: QueryOptions\)/);
    assert.equal(hover(e.service, e.text(), "counters = table"), "");

    e.edit(e.text().replace("c.n! > 0", "c.n !== null && c.n > 0"));
    assert.deepEqual(closqlDiagnostics(e.service), []);
    assert.match(
      hover(e.service, e.text(), "all()"),
      new RegExp(escape(`SELECT "id", "n" FROM "counters" WHERE ("n" IS NOT NULL AND "n" > 0)`)),
    );
  });

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

test("tsserver loads the plugin by its name from tsconfig.json and reports closql's diagnostics", async () => {
  const project = path.join(root, "test/fixtures/.generated/tsserver");
  fs.mkdirSync(project, { recursive: true });
  const index = path.join(project, "index.ts");
  fs.writeFileSync(index, source);
  fs.writeFileSync(
    path.join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: "nodenext",
        target: "es2022",
        skipLibCheck: true,
        types: [],
        plugins: [{ name: "@closql/transformer/language-service" }],
      },
      include: ["index.ts"],
    }),
  );
  const { spawn } = await import("node:child_process");
  const server = spawn(
    process.execPath,
    [require.resolve("typescript/lib/tsserver.js"), "--disableAutomaticTypingAcquisition"],
    {
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const responses = new Map<number, { success: boolean; body: unknown }>();
  let buffer = "";
  const waiting = new Map<number, () => void>();
  server.stdout.on("data", (d: Buffer) => {
    buffer += d.toString("utf8");
    for (const line of buffer.split("\n").slice(0, -1))
      if (line.startsWith("{")) {
        const message = JSON.parse(line) as { type: string; request_seq: number; success: boolean; body: unknown };
        if (message.type === "response") {
          responses.set(message.request_seq, message);
          waiting.get(message.request_seq)?.();
        }
      }
    buffer = buffer.slice(buffer.lastIndexOf("\n") + 1);
  });
  let seq = 0;
  const request = (command: string, args: object) =>
    new Promise<{ success: boolean; body: unknown }>((resolve) => {
      const id = ++seq;
      waiting.set(id, () => resolve(responses.get(id)!));
      server.stdin.write(JSON.stringify({ seq: id, type: "request", command, arguments: args }) + "\n");
    });
  try {
    await request("open", { file: index });
    const diagnostics = (await request("semanticDiagnosticsSync", { file: index })).body as {
      start: { line: number; offset: number };
      code: number;
    }[];
    assert.deepEqual(
      diagnostics.map((d) => `${d.start.line}:${d.start.offset} TS${d.code}`),
      ["7:45 TS91003"],
    );
    const position = source.split("\n")[5].indexOf("first()") + 1;
    const info = (await request("quickinfo", { file: index, line: 6, offset: position })).body as {
      documentation: string;
    };
    assert.match(info.documentation, new RegExp(escape(okQuery)));
  } finally {
    server.kill();
  }
});

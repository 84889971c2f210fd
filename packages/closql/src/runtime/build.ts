import { UncompiledQueryError } from "./errors";

/**
 * Did the build run closql's transform? Every module the transformer compiles loads closql through
 * `closql/compiled` (the transformer rewrites the module's own `import … from "closql"` and adds that
 * import where it hoists compiled queries), and loading `closql/compiled` records it here. A process in
 * which no such module has loaded by the time a database is first used was built without the
 * transform: its queries would throw `UncompiledQueryError` one by one, possibly after raw statements
 * (DDL, `db.sql`) had already run. `connect()` checks this before its first connection instead.
 *
 * The record lives on `globalThis` under a registered symbol, so that two copies of closql in one
 * process (a bundled one and an installed one) agree.
 */
const COMPILED_MODULE_LOADED = Symbol.for("closql.compiledModuleLoaded");

/** Called once by `closql/compiled` when it is first loaded. */
export function recordCompiledModule(): void {
  (globalThis as Record<symbol, unknown>)[COMPILED_MODULE_LOADED] = true;
}

export function compiledModuleLoaded(): boolean {
  return (globalThis as Record<symbol, unknown>)[COMPILED_MODULE_LOADED] === true;
}

/** What the process looks like, for naming the fix (parameters so tests can describe any host). */
export interface ProcessFacts {
  readonly argv: readonly string[];
  readonly execArgv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}

const TSPC =
  'build with `tspc` (from ts-patch) and `"plugins": [{ "transform": "@closql/transformer" }]` in tsconfig.json';
const REGISTER = "--import @closql/transformer/register";

/**
 * How to turn the transform on, for the host this process runs under: Vitest and tsx (neither runs
 * tsconfig plugins), Node running a `.ts` file itself (type stripping), otherwise a build whose output
 * runs here (tsc, a bundler).
 */
export function transformFix(facts: ProcessFacts = currentProcess()): string {
  const launch = [...facts.execArgv, ...facts.argv.slice(0, 2)];
  const script = (facts.argv[1] ?? "").split(/[\\/]/).pop() ?? "";
  if (facts.env.VITEST)
    return 'Vitest runs no TypeScript transformer by itself: add closql\'s plugin to vitest.config (or vite.config), `import closql from "@closql/transformer/vite"` and `plugins: [closql()]`.';
  if (launch.some((a) => /(^|[\\/@])tsx([\\/]|$)/.test(a)))
    return `tsx runs no TypeScript transformer: start it with \`tsx ${REGISTER} ${script}\`, or ${TSPC} and run the output.`;
  if (/\.[mc]?ts$/.test(script))
    return `Node runs ${script} without a TypeScript transformer: start it with \`node ${REGISTER} ${script}\`, or ${TSPC} and run the output.`;
  return (
    `Either ${TSPC}, or build with \`npx closql build -p tsconfig.json\` (any TypeScript, 6 or 7); ` +
    "a bundle needs closql's plugin (`@closql/transformer/vite`, `/rollup`, `/esbuild` or `/webpack`), " +
    `and tsx or Node's type stripping need \`${REGISTER}\`.`
  );
}

function currentProcess(): ProcessFacts {
  return { argv: process.argv, execArgv: process.execArgv, env: process.env };
}

/** Throws unless a module compiled by closql's transformer has been loaded in this process. */
export function assertCompiledBuild(): void {
  if (compiledModuleLoaded()) return;
  throw new UncompiledQueryError(
    "closql: this program was built without closql's transform (no module compiled by @closql/transformer " +
      "has been loaded), so its queries would fail at run time; nothing was sent to the database. " +
      transformFix() +
      " A program that is not built with the transform and only runs raw SQL (`db.sql`, `db.execute`) " +
      "passes `checkBuild: false` to connect().",
  );
}

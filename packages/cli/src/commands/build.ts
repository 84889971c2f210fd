import path from "node:path";
import { CliError, Command } from "../command";
import { checkProject, plural } from "../checks/closures";

/**
 * `closql build -p tsconfig.json`: the build for any TypeScript, 6 or 7. The work is the
 * transformer's (`build` in @closql/transformer), loaded only when this command runs: the other
 * commands do not pay for TypeScript.
 */
export const build: Command = {
  summary: "type-check and emit the project with every query compiled (TypeScript 6 or 7)",
  usage: "[-p tsconfig.json] [--noEmit] [--tsc <typescript package>] [--emitWith tsc|typescript6]",
  help: `
Type-checks the project and emits it to its outDir with every closql query compiled to SQL, with
the project's own TypeScript:
  - TypeScript 6: in-process, the way tspc does it (no patching needed);
  - TypeScript 7 (no transformer API): its tsc checks the sources while closql compiles the
    queries on TypeScript 6's API, then emits a copy of the sources with the queries compiled
    (.closql/build, source maps pointing at the originals).
Unsupported closures are errors at file:line:col; the exit code is 1 when there is any error.

--noEmit checks only (types and every closure), for type-check-only CI steps.

Example: npx closql build -p tsconfig.json`,
  flags: {
    project: { type: "string", short: "p", description: "the tsconfig.json or its directory (default: tsconfig.json)" },
    noEmit: { type: "boolean", description: "check types and closures, write nothing" },
    tsc: { type: "string", description: "the typescript package (or its bin/tsc) to use instead of the project's" },
    emitWith: {
      type: "string",
      description: "with TypeScript 7: tsc (default: tsc emits the pre-pass's output) or typescript6",
    },
    pretty: { type: "boolean", description: "diagnostics with colors and code frames (default: on a terminal)" },
  },
  async run(ctx) {
    const project = path.resolve(ctx.cwd, (ctx.flags.project as string | undefined) ?? "tsconfig.json");
    if (ctx.flags.noEmit) return (await checkProject(ctx, { types: true })).ok ? 0 : 1;
    const emitter = emitWith(ctx.flags.emitWith);
    const { build: buildProject } = await import("@closql/transformer");
    try {
      const result = await buildProject({
        project,
        tsc: ctx.flags.tsc as string | undefined,
        emitWith: emitter,
        pretty: ctx.flags.pretty as boolean | undefined,
        err: ctx.err,
      });
      ctx.out(
        `closql build: ${result.compiler}, ${plural(result.statements, "statement")} compiled` +
          (result.closqlErrors > 0 ? `, ${plural(result.closqlErrors, "closql error")}` : "") +
          (result.typesOk ? "" : ", type errors") +
          (result.emitted ? "" : ", nothing emitted"),
      );
      return result.ok ? 0 : 1;
    } catch (e) {
      throw new CliError((e as Error).message);
    }
  },
};

function emitWith(flag: unknown): "tsc" | "typescript6" | undefined {
  if (flag === undefined || flag === "tsc" || flag === "typescript6") return flag;
  throw new CliError(`closql build: --emitWith takes tsc or typescript6, not ${String(flag)}`, 2);
}

import path from "node:path";
import type { CommandContext } from "../command";
import type { Check } from "./check";

/**
 * The closure check: every query of the project compiled as a build would, nothing written. Reports
 * each unsupported closure at file:line:col; `ok` is false when there is one. `closql check` runs it
 * beside its other checks; `closql build --noEmit` runs it with the type check (`types: true`).
 * The project is `--project`/`-p`, else `tsconfig` in closql.config.json, else ./tsconfig.json; a
 * project without a tsconfig.json has nothing to check.
 */
export async function checkClosures(ctx: CommandContext): Promise<{ ok: boolean }> {
  return checkProject(ctx, { types: false });
}

export async function checkProject(ctx: CommandContext, { types }: { types: boolean }): Promise<{ ok: boolean }> {
  const given = (ctx.flags.project as string | undefined) ?? (ctx.config.tsconfig as string | undefined);
  const project = path.resolve(ctx.cwd, given ?? "tsconfig.json");
  const { build, existsProject } = await import("@closql/transformer");
  if (!given && !existsProject(project)) {
    ctx.out("closures: no tsconfig.json, nothing to check");
    return { ok: true };
  }
  try {
    const result = await build({
      project,
      noEmit: true,
      typeCheck: types,
      tsc: ctx.flags.tsc as string | undefined,
      pretty: ctx.flags.pretty as boolean | undefined,
      err: ctx.err,
    });
    const problems = [
      result.closqlErrors > 0
        ? `${result.closqlErrors} unsupported closure${result.closqlErrors === 1 ? "" : "s"}`
        : "",
      types && !result.typesOk ? "type errors" : "",
    ].filter(Boolean);
    ctx.out(
      `closures: ${plural(result.statements, "statement")} compiled` +
        (problems.length ? `; ${problems.join(", ")}` : ", all supported"),
    );
    return { ok: result.closqlErrors === 0 && (!types || result.typesOk) };
  } catch (e) {
    ctx.err((e as Error).message);
    return { ok: false };
  }
}

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/**
 * `closql check --closures`: the closure check among the others (no database: with it, the
 * database checks run only when --explain asks for one). Its report is what checkProject printed.
 */
export const closures: Check = {
  title: "every query of the project compiles",
  flags: {
    closures: {
      type: "boolean",
      description: "compile every query of the project (no database needed), nothing written",
    },
    project: { type: "string", short: "p", description: "with --closures: the tsconfig.json (default: tsconfig.json)" },
  },
  enabled: (flags) => flags.closures === true,
  async run(ctx) {
    const lines: string[] = [];
    const collect = (line: string) => lines.push(...line.split("\n"));
    const { ok } = await checkClosures({ ...ctx.command, out: collect, err: collect });
    return { ok, lines };
  },
};

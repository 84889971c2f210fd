import fs from "fs";
import path from "path";
import { execFileSync } from "child_process";

/** Helpers every benchmark script shares: statistics, knobs, CPU of a backend, versions. */

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
export const round2 = (x: number) => Math.round(x * 100) / 100;
export const round3 = (x: number) => Math.round(x * 1000) / 1000;

export function positiveInt(value: string | undefined, fallback: number): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`expected a positive integer, got ${value}`);
  return n;
}
export function positiveNumber(value: string | undefined, fallback: number): number {
  const n = value === undefined ? fallback : Number(value);
  if (!(n > 0)) throw new Error(`expected a positive number, got ${value}`);
  return n;
}

/** CPU seconds a local PostgreSQL backend has used (from /proc/<pid>/schedstat); NaN when unknown. */
export function backendCpu(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    return Number(fs.readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e9;
  } catch {
    return NaN;
  }
}

export function gitRevision(): string {
  try {
    const rev = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: __dirname, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "packages"], {
      cwd: __dirname,
      encoding: "utf8",
    }).trim();
    return dirty ? `${rev} (packages/ modified)` : rev;
  } catch {
    return "unknown";
  }
}

export function packageVersion(name: string): string {
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      const p = JSON.parse(fs.readFileSync(file, "utf8"));
      if (p.name === name) return p.version;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return "unknown";
    dir = parent;
  }
}

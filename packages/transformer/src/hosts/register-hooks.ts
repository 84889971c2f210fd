import { fileURLToPath } from "node:url";
import { compileForNode, formatOf, isCompiled } from "./node-compile";

interface LoadContext {
  readonly format?: string | null;
  readonly conditions?: readonly string[];
}
interface LoadResult {
  readonly format?: string | null;
  readonly source?: string | ArrayBuffer | Uint8Array | null;
  readonly shortCircuit?: boolean;
}
type NextLoad = (url: string, context?: LoadContext) => Promise<LoadResult>;

/**
 * The module hooks `--import @closql/transformer/register` installs (they run on Node's loader
 * thread): an ES module written in TypeScript with queries is loaded compiled; any other module is
 * left to the next loader (tsx, Node's type stripping, Node itself).
 */
export async function load(url: string, context: LoadContext, nextLoad: NextLoad): Promise<LoadResult> {
  if (!url.startsWith("file:")) return nextLoad(url, context);
  const file = fileURLToPath(url);
  if (!isCompiled(file)) return nextLoad(url, context);
  const format = formatOf(file, context.format);
  // A CommonJS module goes to the CommonJS loader, whose `.ts` handler register.ts wraps: source
  // given here would load it through the ESM loader, whose `require` tsx does not serve.
  if (format === "commonjs") return nextLoad(url, context);
  const source = compileForNode(file, format);
  if (source === undefined) return nextLoad(url, context);
  return { format, source, shortCircuit: true };
}

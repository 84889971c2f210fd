import Module, { register } from "node:module";
import { pathToFileURL } from "node:url";
import { compileForNode, isCompiled } from "./node-compile";

/**
 * `node --import @closql/transformer/register main.ts` (Node's type stripping) and
 * `tsx --import @closql/transformer/register main.ts`: compiles the queries of each TypeScript file
 * as it is loaded, for development. Two paths, because Node has two: module hooks for `import` (on
 * the loader thread), and the CommonJS extension handlers for `require()` of a TypeScript file,
 * wrapping the handler tsx or Node installed for it.
 */
register("./register-hooks.js", pathToFileURL(__filename));

type ExtensionHandler = (module: NodeJS.Module & { _compile(code: string, file: string): void }, file: string) => void;
const extensions = (Module as unknown as { _extensions: Record<string, ExtensionHandler> })._extensions;
for (const extension of [".ts", ".cts", ".mts", ".tsx"]) {
  const previous = extensions[extension];
  if (!previous) continue;
  extensions[extension] = (module, file) => {
    const source = isCompiled(file) ? compileForNode(file, "commonjs") : undefined;
    if (source === undefined) previous(module, file);
    else module._compile(source, file);
  };
}

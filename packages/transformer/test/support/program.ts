import path from "node:path";
import ts from "typescript";

/** The unit tests' schema (fixtures/schema.ts), next to which snippets are compiled. */
const fixtures = path.resolve(__dirname, "../../fixtures");

export const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  strict: true,
  skipLibCheck: true,
  types: [],
  ignoreDeprecations: "6.0",
} as ts.CompilerOptions;

/**
 * What snippets can use: `db` over fixtures/schema.ts, captured values of each kind, markers and
 * SQL functions. A snippet body is compiled inside `function snippets() { … }`.
 */
const PRELUDE = `
import { connect, ilike, sqlFunction, SqlFunction, Query, count, sum } from "closql";
import { schema, posts } from "./schema";
declare const db: ReturnType<typeof connect<typeof schema>>;
declare const x: string, maybe: string | null, n: number, since: Date, ids: number[], list: string[];
declare const direction: "asc" | "desc", key: string, functions: SqlFunction<(s: string) => number>[];
const anything = sqlFunction<(s: string) => unknown>("anything");
const lookup = functions[0];
void [ilike, anything, lookup, count, sum, posts];
`;

/** A program holding one in-memory file, `fixtures/snippets.ts`, whose body is `body`. */
export function snippetProgram(body: string): { program: ts.Program; file: ts.SourceFile; preludeLines: number } {
  const fileName = path.join(fixtures, "snippets.ts");
  const text = `${PRELUDE}export function snippets() {\n${body}\n}\n`;
  const host = ts.createCompilerHost(compilerOptions);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) =>
    name === fileName ? ts.createSourceFile(name, text, language) : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => name === fileName || fileExists.call(host, name);
  host.readFile = (name) => (name === fileName ? text : readFile.call(host, name));
  const program = ts.createProgram([fileName], compilerOptions, host);
  return { program, file: program.getSourceFile(fileName)!, preludeLines: PRELUDE.split("\n").length };
}

/** Every call expression of a file, outermost first, in source order. */
export function calls(file: ts.SourceFile): ts.CallExpression[] {
  const found: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) found.push(node);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

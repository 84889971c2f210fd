/**
 * The statement manifest: every statement the transformer compiled, written at build time
 * (`closql.manifest.json`, in the build's outDir unless the plugin's `manifest` option says
 * otherwise) and read by `closql sql` and `closql check`. Sorted by file, then in source order, so
 * the same sources give the same bytes.
 */
export interface Manifest {
  readonly version: typeof MANIFEST_VERSION;
  readonly statements: readonly ManifestStatement[];
}

export interface ManifestStatement {
  /** `file:line` of the query in the TypeScript source, relative to the build's root (as in errors and events). */
  readonly source: string;
  /** What runs it: a read kind (`all`, `first`, `one`, `count`, `exists`, `stream`), a write kind, or `preload`. */
  readonly kind: string;
  /** The SQL text, exactly as it ships. */
  readonly sql: string;
  /** The TypeScript type of what each `$n` binds, in order. */
  readonly params: readonly string[];
}

export const MANIFEST_VERSION = 1;
export const MANIFEST_FILE = "closql.manifest.json";

/**
 * `closql/compiled`: closql, as the modules compiled by @closql/transformer load it. It is closql's
 * own entry point (the same module instances, so errors, classes and statements are shared with
 * `import … from "closql"`), and loading it records that this process runs compiled code: see
 * runtime/build.ts for the check connect() makes with that.
 */
import { recordCompiledModule } from "./runtime/build";

recordCompiledModule();

export * from "./index";

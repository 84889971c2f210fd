import { closqlPlugin } from "./unplugin";

/** esbuild: `plugins: [closql()]` in the build options. */
const closql = closqlPlugin.esbuild;
// `module.exports` is the factory itself: `import closql from` works from ESM (Node's own loader
// included) and from CommonJS, `require()` too.
export = closql;

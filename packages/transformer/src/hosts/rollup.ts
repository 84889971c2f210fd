import { closqlPlugin } from "./unplugin";

/** Rollup: `plugins: [closql()]` in rollup.config.js. */
const closql = closqlPlugin.rollup;
// `module.exports` is the factory itself: `import closql from` works from ESM (Node's own loader
// included) and from CommonJS, `require()` too.
export = closql;

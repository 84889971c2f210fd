import { closqlPlugin } from "./unplugin";

/** Vite and Vitest: `plugins: [closql()]` in vite.config.ts or vitest.config.ts. */
const closql = closqlPlugin.vite;
// `module.exports` is the factory itself: `import closql from` works from ESM (Node's own loader
// included) and from CommonJS, `require()` too.
export = closql;

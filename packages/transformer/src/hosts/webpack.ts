import { closqlPlugin } from "./unplugin";

/** webpack: `plugins: [closql()]` in webpack.config.js (before ts-loader, babel-loader or swc-loader, which then compile its output). */
const closql = closqlPlugin.webpack;
// `module.exports` is the factory itself: `import closql from` works from ESM (Node's own loader
// included) and from CommonJS, `require()` too.
export = closql;

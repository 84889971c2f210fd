// tsserver resolves plugin names without package.json `exports`: this file is what it finds for
// "@closql/transformer/language-service".
module.exports = require("./dist/hosts/language-service.js");

// A Turbopack loader: replaces `import.meta.dirname` and `import.meta.filename` (Node's ESM
// paths, which Turbopack leaves undefined) with the source file's own path, fixed at build time.
// @acme/config finds the repository root with `import.meta.dirname`; without this it throws
// when the app starts. Build and run from the same checkout (as `next build && next start` do).
const path = require("node:path");

module.exports = function importMetaPaths(source) {
  if (!source.includes("import.meta.dirname") && !source.includes("import.meta.filename")) {
    return source;
  }
  return source
    .replaceAll("import.meta.dirname", JSON.stringify(path.dirname(this.resourcePath)))
    .replaceAll("import.meta.filename", JSON.stringify(this.resourcePath));
};

// npm run build: apps/silo's process as plain JavaScript in dist/, which `npm start` runs with
// node alone (see @acme/build for what is bundled and what stays in node_modules).
import path from "node:path";
import { buildSiloApp } from "@acme/build";

await buildSiloApp({ appDir: path.resolve(import.meta.dirname, "..") });

// npm run rpc:schema: writes rpc-schema/openapi.json from the services' contracts.
import fs from "node:fs";
import path from "node:path";
import { rpcSchemaText } from "../src/schema.ts";

const file = path.join(import.meta.dirname, "../../../rpc-schema/openapi.json");
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, rpcSchemaText());
console.log(`Wrote ${path.relative(process.cwd(), file)}`);

import fs from "node:fs/promises";
import path from "node:path";
import { repoRoot } from "@acme/config";

// Scalar's viewer as the one prebuilt browser script it publishes (Vue and its styles inside),
// served from node_modules as it is: the bundler never compiles it, so /api opens in a second
// or two in `next dev` instead of waiting twenty for Turbopack to compile the viewer's sources.
const STANDALONE = path.join(
  /* turbopackIgnore: true */ repoRoot,
  "node_modules/@scalar/api-reference/dist/browser/standalone.js",
);

let script: Promise<Buffer> | undefined;

export async function GET(): Promise<Response> {
  script ??= fs.readFile(STANDALONE);
  try {
    return new Response(new Uint8Array(await script), {
      headers: {
        "content-type": "text/javascript; charset=utf-8",
        "cache-control": "public, max-age=3600",
      },
    });
  } catch (error) {
    script = undefined;
    console.error("api/viewer.js:", error);
    return new Response("// Scalar's viewer is not installed: run npm install.\n", {
      status: 503,
      headers: { "content-type": "text/javascript; charset=utf-8" },
    });
  }
}

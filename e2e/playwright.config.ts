// Browser tests of the admin app, against a production build (`next build`, then `next start`)
// on a fresh embedded database, with the login gate on.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig, devices, chromium as playwrightChromium } from "@playwright/test";

const PORT = 3200;
/** The admin app as the CONTROL client of a real three-silo topology (control, us, eu). */
export const MULTI_ADMIN_PORT = 3201;
/** The control silo's port; `us` and `eu` listen on the next two. */
export const MULTI_BASE_PORT = 8300;
const MULTI_SECRET = "e2e-rpc-secret-not-for-production";
// The system Chromium where there is one (Playwright cannot download browsers everywhere);
// elsewhere, `npx playwright install chromium` and the bundled one. Checked before anything is
// built, so a missing browser costs a second, not a production build.
const SYSTEM_CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
const chromium =
  process.env.PLAYWRIGHT_CHROMIUM_PATH || SYSTEM_CHROMIUM.find((file) => fs.existsSync(file));
if (chromium !== undefined && !fs.existsSync(chromium)) {
  throw new Error(`PLAYWRIGHT_CHROMIUM_PATH is ${chromium}, and there is no file there.`);
}
if (chromium === undefined && !fs.existsSync(playwrightChromium.executablePath())) {
  throw new Error(
    `The browser tests need Chromium, and none was found (${SYSTEM_CHROMIUM.join(", ")}, ` +
      "or Playwright's own). Install one: your system's package (on Debian: " +
      "`apt-get install chromium`), then run again; or `npx playwright install chromium`; or set " +
      "PLAYWRIGHT_CHROMIUM_PATH to a Chromium or Chrome executable.",
  );
}
const database = fs.mkdtempSync(path.join(os.tmpdir(), "admin-e2e-"));

export const ADMIN = { username: "e2e-admin", password: "e2e-password-not-secret" };
/**
 * How long the API page's viewer may take to render: its 3.5 MB script, then the whole document
 * processed in the page (past 5 s, the default wait, on a busy 2-core machine). The tests wait
 * for the render itself, however long it takes up to this.
 */
export const VIEWER_RENDER_MS = 60_000;

const adminEnv = {
  ADMIN_USERNAME: ADMIN.username,
  ADMIN_PASSWORD: ADMIN.password,
  ADMIN_SESSION_SECRET: "e2e-session-secret-not-for-production-0123",
  // Plain HTTP on localhost: the session cookie cannot be `Secure` here.
  ADMIN_INSECURE_COOKIE: "true",
  NEXT_TELEMETRY_DISABLED: "1",
};

export default defineConfig({
  testDir: "tests",
  outputDir: "test-results",
  fullyParallel: false,
  workers: 1,
  timeout: 60_000,
  reporter: process.env.CI ? [["list"]] : [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: "retain-on-failure",
    ...devices["Desktop Chrome"],
    launchOptions: {
      ...(chromium ? { executablePath: chromium } : {}),
      args: [
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
      ],
    },
  },
  webServer: [
    {
      // The MONOLITH admin: builds the app once for both admin servers.
      command: `npm run generate -w @acme/admin && npm run build -w @acme/admin && npm run start -w @acme/admin`,
      cwd: "..",
      // Ready once the embedded database is open, migrated and seeded.
      url: `http://127.0.0.1:${PORT}/healthz`,
      timeout: 240_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
      // The standalone server (`npm start`) listens on PORT and HOST.
      env: {
        ...adminEnv,
        PORT: String(PORT),
        HOST: "127.0.0.1",
        DATABASE_URL: path.join(database, "admin"),
      },
    },
    {
      // Three silos as separate processes, each on its own PGlite directory.
      command: "npm run dev:multi -w @acme/silo",
      cwd: "..",
      url: `http://127.0.0.1:${MULTI_BASE_PORT + 2}/healthz`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
      env: {
        MULTI_BASE_PORT: String(MULTI_BASE_PORT),
        MULTI_ADMIN: "false",
        RPC_SHARED_SECRET: MULTI_SECRET,
        CONTROL_DATABASE_URL: path.join(database, "control"),
        US_DATABASE_URL: path.join(database, "us"),
        EU_DATABASE_URL: path.join(database, "eu"),
        LOG_LEVEL: "warn",
      },
    },
    {
      command: "npm run start -w @acme/admin",
      cwd: "..",
      url: `http://127.0.0.1:${MULTI_ADMIN_PORT}/healthz`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "ignore",
      stderr: "pipe",
      env: {
        ...adminEnv,
        PORT: String(MULTI_ADMIN_PORT),
        HOST: "127.0.0.1",
        SILO_MODE: "CONTROL",
        CONTROL_ADDRESS: `http://127.0.0.1:${MULTI_BASE_PORT}`,
        REGION_CONFIG: JSON.stringify([
          { name: "us", address: `http://127.0.0.1:${MULTI_BASE_PORT + 1}` },
          { name: "eu", address: `http://127.0.0.1:${MULTI_BASE_PORT + 2}` },
        ]),
        RPC_SHARED_SECRET: MULTI_SECRET,
      },
    },
  ],
});

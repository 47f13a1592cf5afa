// The admin app as the CONTROL client of real silos: a call really goes over the wire.
import fs from "node:fs"; // demo:line
import { expect, test } from "@playwright/test";
import {
  ADMIN,
  MULTI_ADMIN_PORT,
  MULTI_BASE_PORT,
  VIEWER_RENDER_MS,
} from "../playwright.config.ts";

test.use({ baseURL: `http://127.0.0.1:${MULTI_ADMIN_PORT}` });

// demo:start
test("a call from the admin app reaches the eu silo over the wire, and shows the signed request", async ({
  page,
}) => {
  await page.goto("/services/organization/getOrgBySlug");
  await page.getByLabel("Username").fill(ADMIN.username);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/services\/organization\/getOrgBySlug$/);

  await page.getByLabel(/Input \(JSON\)/).fill(JSON.stringify({ slug: "globex" }));
  await page.getByRole("button", { name: "Call", exact: true }).click();
  const report = page.locator(".report").first();
  await expect(report.locator(".badge.ok")).toHaveText("OK");
  await expect(report.getByTestId("route")).toContainText('remote, to the region "eu" silo at');
  await expect(report).toContainText("Globex");
  await expect(report).toContainText("Rpcsignature rpc1:<redacted>");
  fs.mkdirSync("test-results/screenshots", { recursive: true });
  await page.screenshot({ path: "test-results/screenshots/method-remote.png", fullPage: true });
});
// demo:end

test("the organizations page lists the control silo's mappings over the wire", async ({ page }) => {
  await page.goto("/organizations?region=eu");
  await page.getByLabel("Username").fill(ADMIN.username);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.locator("table.table tbody tr td:first-child")).toHaveText([
    "globex",
    "umbrella",
  ]);
});

test("the Outboxes page reads each silo's outbox over the wire, and Deliver now goes to that silo", async ({
  page,
}) => {
  await page.goto("/outboxes");
  await page.getByLabel("Username").fill(ADMIN.username);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { level: 2 })).toHaveText([
    "Control's outbox",
    "Region us's outbox",
    "Region eu's outbox",
  ]);
  for (const name of ["Control's outbox", "Region us's outbox", "Region eu's outbox"]) {
    await expect(page.getByRole("region", { name }).locator(".empty")).toHaveText(
      "Nothing waiting: every message written here has been delivered.",
    );
  }
  const eu = page.getByRole("region", { name: "Region eu's outbox" });
  await eu.getByRole("button", { name: "Deliver now" }).click();
  await expect(eu.getByRole("status")).toHaveText("Delivered 0 messages.");
  await eu.getByText("How the call went").click();
  await expect(eu.getByTestId("route")).toContainText('remote, to the region "eu" silo at');
  await expect(eu).toContainText("/api/0/internal/rpc/regionOutbox/deliverNow/");
});

test("the API page's curl examples go to the silos this admin is configured with", async ({
  page,
}) => {
  await page.goto("/api");
  await page.getByLabel("Username").fill(ADMIN.username);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
  const reference = page.locator(".api-reference");
  // The viewer's first render (VIEWER_RENDER_MS: past 5 s on a busy machine).
  await expect(reference.getByRole("heading", { level: 1 })).toHaveText("Silo RPC services", {
    timeout: VIEWER_RENDER_MS,
  });
  // The first operation is a CONTROL method's: the control silo's address.
  await expect(reference).toContainText(
    `curl http://127.0.0.1:${MULTI_BASE_PORT}/api/0/internal/rpc/`,
  );
});

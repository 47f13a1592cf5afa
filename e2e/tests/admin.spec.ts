import fs from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import { ADMIN } from "../playwright.config.ts";

const ARTIFACTS = "test-results/screenshots";
fs.mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });

// Nothing the admin shows may reach outside this machine (no CDN, fonts, telemetry): every
// request a page makes must go to the admin itself.
let outside: string[] = [];
test.beforeEach(({ page }) => {
  outside = [];
  page.on("request", (request) => {
    const { protocol, hostname } = new URL(request.url());
    if (!["data:", "blob:"].includes(protocol) && !["127.0.0.1", "localhost"].includes(hostname))
      outside.push(request.url());
  });
});
test.afterEach(() => {
  expect(outside, "requests to other hosts").toEqual([]);
});

async function logIn(page: Page, next = "/services") {
  await page.goto(next);
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.getByLabel("Username").fill(ADMIN.username);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(new RegExp(`${next}$`));
}

async function call(page: Page, path: string, input: unknown) {
  await page.goto(`/services/${path.replace(".", "/")}`);
  await page.getByLabel(/Input \(JSON\)/).fill(JSON.stringify(input));
  await page.getByRole("button", { name: "Call", exact: true }).click();
  const report = page.locator(".report").first();
  await expect(report).toBeVisible();
  return report;
}

test("the login gate: pages redirect, a wrong password is refused, the right one lets you in", async ({
  page,
}) => {
  await page.goto("/services");
  await expect(page).toHaveURL(/\/login\?next=%2Fservices/);
  await shot(page, "login");
  // Only the readiness probe answers without a session, and says no more than "ok".
  const health = await page.request.get("/healthz");
  expect(await health.json()).toEqual({ status: "ok", mode: "MONOLITH" });
  expect((await page.request.get("/api/openapi.json")).status()).toBe(401);
  await page.getByLabel("Username").fill(ADMIN.username);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.locator(".login-form [role=alert]")).toHaveText("Wrong username or password.");
  // The username is kept after a failed attempt.
  await expect(page.getByLabel("Username")).toHaveValue(ADMIN.username);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/services$/);
  const api = await page.request.get("/api/openapi.json");
  expect(api.status()).toBe(200);
});

test("browse every service and method", async ({ page }) => {
  await logIn(page);
  for (const name of [
    "organization", // demo:line
    "user", // demo:line
    "organizationMapping",
    "integration", // demo:line
    "getOrgBySlug", // demo:line
    "createOrganization", // demo:line
  ]) {
    await expect(page.getByText(name, { exact: true }).first()).toBeVisible();
  }
  await shot(page, "services");
  // Where the code calls each method (found by the TypeScript checker at build time).
  await page.goto("/services/organizationMapping/list");
  await expect(page.locator(".callers")).toContainText(
    "apps/admin/src/app/organizations/page.tsx:",
  );
  // A method nothing calls: "none" in the list, and said so on its page.
  await page.goto("/services");
  const uncalled = page
    .getByRole("row")
    .filter({ has: page.getByRole("cell", { name: "none", exact: true }) })
    .first();
  const name = (await uncalled.getByRole("link").textContent()) ?? "";
  expect(name).not.toBe("");
  await uncalled.getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(name);
  await expect(page.getByText("nowhere in the code (tests aside)")).toBeVisible();
  await page.goto("/services");
  await page.getByRole("link", { name: "Regions" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Regions");
  await shot(page, "regions");
  await page.getByRole("link", { name: "API" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("API reference");
  // Scalar's viewer, rendered from the document: its title, and an operation of each service.
  const reference = page.locator(".api-reference");
  await expect(reference.getByRole("heading", { level: 1 })).toHaveText("Silo RPC services");
  // demo:start
  for (const tag of ["organization", "user", "organizationMapping", "integration"]) {
    await expect(reference.getByText(tag, { exact: true }).first()).toBeAttached();
  }
  // demo:end
  await shot(page, "api");
});

test("call a CONTROL method: organizationMapping.getBySlug runs in this process; a bad slug is a field error", async ({
  page,
}) => {
  await logIn(page);
  const found = await call(page, "organizationMapping.getBySlug", { slug: "globex" });
  await expect(found.locator(".badge.ok")).toHaveText("OK");
  await expect(found.getByTestId("route")).toHaveText("local, in this process");
  await expect(found).toContainText('"regionName": "eu"');
  const invalid = await call(page, "organizationMapping.getBySlug", { slug: "" });
  await expect(invalid.locator(".badge.error")).toHaveText("BAD_REQUEST");
  await expect(page.getByRole("list", { name: "Validation issues" })).toContainText("slug");
  // The schemas in words: each field, whether it is required, its type and limits.
  await expect(page.getByRole("region", { name: "Input" })).toContainText(
    "slug required string · at least 1 character",
  );
  const output = page.getByRole("region", { name: "Output" });
  await expect(output).toContainText("object or null");
  await expect(output).toContainText("regionName required string");
  await expect(output.getByText("JSON Schema")).toBeVisible();
});

// demo:start
test("call organization.getOrgBySlug for an organization in us and one in eu, and see the routing", async ({
  page,
}) => {
  await logIn(page);
  const us = await call(page, "organization.getOrgBySlug", { slug: "acme" });
  await expect(us.locator(".badge.ok")).toHaveText("OK");
  await expect(us.getByTestId("route")).toContainText("region us");
  await expect(us).toContainText("Acme Corp");
  await shot(page, "method-us");
  const eu = await call(page, "organization.getOrgBySlug", { slug: "globex" });
  await expect(eu.getByTestId("route")).toContainText("region eu");
  await expect(eu).toContainText("Globex");
});
// demo:end

// demo:start
test("invalid input shows the issue next to the field", async ({ page }) => {
  await logIn(page);
  const report = await call(page, "user.getByEmail", { email: "not-an-email" });
  await expect(report.locator(".badge.error")).toHaveText("BAD_REQUEST");
  const issues = page.getByRole("list", { name: "Validation issues" });
  await expect(issues).toContainText("email");
  await expect(page.getByLabel(/Input \(JSON\)/)).toHaveAttribute("aria-invalid", "true");
  // ...and next to the generated form's field.
  await expect(
    page.locator(".schema-fields .field", { has: page.locator("#param-email") }).getByRole("note"),
  ).toHaveText("Invalid email address");
  await shot(page, "method-invalid");
});
// demo:end

test("search the organization mappings; an empty search says so", async ({ page }) => {
  await logIn(page, "/organizations");
  const slugs = page.locator("table.table tbody tr td:first-child");
  await expect(slugs).toHaveText(["acme", "globex", "initech", "umbrella"]);
  await shot(page, "organizations");

  await page.getByLabel("Slug or name").fill("GLOB");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\/organizations\?q=GLOB/);
  await expect(slugs).toHaveText(["globex"]);

  await page.getByLabel("Slug or name").fill("");
  await page.getByRole("search").getByLabel("Region").selectOption("eu");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(slugs).toHaveText(["globex", "umbrella"]);

  await page.goto("/organizations?q=no-such-organization");
  await expect(page.locator(".empty")).toContainText("No organization matches this search.");
  await shot(page, "organizations-empty");
});

// demo:start
test("create an organization in eu, then find it by slug", async ({ page }) => {
  await logIn(page, "/organizations");
  const slug = `e2e-${Date.now().toString(36)}`;
  const form = page.getByRole("region", { name: "Create an organization" });
  await form.getByLabel("Region").selectOption("eu");
  await form.getByLabel("Slug").fill(slug);
  await form.getByLabel("Name").fill("Made by the browser");
  await form.getByRole("button", { name: "Create" }).click();
  await expect(page.getByText("2. Resolvable: organization.getOrgBySlug")).toBeVisible();
  await shot(page, "organizations-created");
  // The list shows it too, in eu.
  await page.goto(`/organizations?q=${slug}`);
  await expect(page.locator("table.table tbody tr")).toHaveCount(1);
  await expect(page.locator("table.table tbody tr")).toContainText("eu");
  const found = await call(page, "organization.getOrgBySlug", { slug });
  await expect(found).toContainText("Made by the browser");
  await expect(found.getByTestId("route")).toContainText("region eu");
});
// demo:end

// demo:start
test("the form generated from the input schema fills the JSON and calls the method", async ({
  page,
}) => {
  await logIn(page, "/services/organization/getOrgBySlug");
  await page.locator("#param-slug").fill("umbrella");
  await expect(page.getByLabel(/Input \(JSON\)/)).toHaveValue(/"slug": "umbrella"/);
  await page.getByRole("button", { name: "Call", exact: true }).click();
  const report = page.locator(".report").first();
  await expect(report.locator(".badge.ok")).toHaveText("OK");
  await expect(report).toContainText("Umbrella");
  await expect(report.getByTestId("route")).toContainText("region eu");
  await shot(page, "method-form");
});
// demo:end

test.describe("at a phone's width", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("every page fits the width, with no sideways scrolling", async ({ page }) => {
    await logIn(page);
    for (const [name, path] of [
      ["services", "/services"],
      ["method", "/services/organization/createOrganization"], // demo:line
      ["regions", "/regions"],
      ["organizations", "/organizations"],
      ["api", "/api"],
    ] as const) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      if (name === "api") await expect(page.locator(".api-reference h1")).toBeVisible();
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `${path} scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(0);
      await shot(page, `narrow-${name}`);
    }
  });
});

import fs from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import { ADMIN } from "../playwright.config.ts";

const ARTIFACTS = "test-results/screenshots";
fs.mkdirSync(ARTIFACTS, { recursive: true });
const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });

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
    "organization",
    "user",
    "organizationMapping",
    "integration",
    "getOrgBySlug",
    "createOrganization",
  ]) {
    await expect(page.getByText(name, { exact: true }).first()).toBeVisible();
  }
  await shot(page, "services");
  await page.getByRole("link", { name: "Regions" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Regions");
  await shot(page, "regions");
  await page.getByRole("link", { name: "API" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.locator("code", { hasText: "x-rpc-resolver" }).first()).toBeAttached();
  await shot(page, "api");
});

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

test("create an organization in eu, then find it by slug", async ({ page }) => {
  await logIn(page, "/organizations");
  const slug = `e2e-${Date.now().toString(36)}`;
  await page.getByLabel(/Region/).selectOption("eu");
  await page.getByLabel(/Slug/).fill(slug);
  await page.getByLabel(/Name/).fill("Made by the browser");
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page.getByText("2. Resolvable: organization.getOrgBySlug")).toBeVisible();
  await shot(page, "organizations-created");
  const found = await call(page, "organization.getOrgBySlug", { slug });
  await expect(found).toContainText("Made by the browser");
  await expect(found.getByTestId("route")).toContainText("region eu");
});

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

import fs from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import { ADMIN, VIEWER_RENDER_MS } from "../playwright.config.ts";

const ARTIFACTS = "test-results/screenshots";
fs.mkdirSync(ARTIFACTS, { recursive: true });
/** The app's error colour (--error in globals.css), as computed styles give it. */
const ERROR_COLOUR = "rgb(180, 35, 24)";
/** The app's accent colour (--accent), which its own buttons wear. */
const ACCENT_COLOUR = "rgb(52, 81, 178)";
const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });

// Nothing the admin shows may reach outside this machine (no CDN, fonts, telemetry): every
// request a page makes must go to the admin itself. And no page may log an error to the console
// (an invalid `pattern` attribute, a failed load) or ask for something that is not there (the
// favicon was a 404 on every page).
let outside: string[] = [];
let consoleErrors: string[] = [];
let missing: string[] = [];
test.beforeEach(({ page }) => {
  outside = [];
  consoleErrors = [];
  missing = [];
  page.on("request", (request) => {
    const { protocol, hostname } = new URL(request.url());
    if (!["data:", "blob:"].includes(protocol) && !["127.0.0.1", "localhost"].includes(hostname))
      outside.push(request.url());
  });
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("response", (response) => {
    if (response.status() === 404) missing.push(response.url());
  });
});
test.afterEach(() => {
  expect(outside, "requests to other hosts").toEqual([]);
  expect(consoleErrors, "errors in the browser's console").toEqual([]);
  expect(missing, "requests answered 404").toEqual([]);
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
  const alert = page.locator(".login-form [role=alert]");
  await expect(alert).toHaveText("Wrong username or password.");
  // Styled as the app's other errors: the error colour's bar beside it.
  await expect(alert).toHaveCSS("border-left-color", ERROR_COLOUR);
  await expect(alert).toHaveCSS("border-left-width", "4px");
  // The username is kept after a failed attempt.
  await expect(page.getByLabel("Username")).toHaveValue(ADMIN.username);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/services$/);
  const api = await page.request.get("/api/openapi.json");
  expect(api.status()).toBe(200);

  // "Log out" in the nav ends the session: pages redirect to the login again.
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("button", { name: "Log out" })).toHaveCount(0);
  expect((await page.request.get("/api/openapi.json")).status()).toBe(401);
  await page.goto("/services");
  await expect(page).toHaveURL(/\/login\?next=%2Fservices/);
});

test("every page has the app's icon, including /favicon.ico, without a login", async ({ page }) => {
  const favicon = await page.request.get("/favicon.ico");
  expect(favicon.status()).toBe(200);
  expect(favicon.headers()["content-type"]).toMatch(/^image\//);
  await logIn(page);
  const href = await page.locator('link[rel="icon"][type="image/svg+xml"]').getAttribute("href");
  expect(href).toMatch(/^\/icon\.svg/);
  const icon = await page.request.get(href ?? "");
  expect(icon.status()).toBe(200);
  expect(icon.headers()["content-type"]).toMatch(/^image\/svg\+xml/);
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
  // Every method is described, and the Callers column is explained.
  // (organizationMapping alone has four methods; the demo adds more.)
  const rows = page.locator("table.methods tbody tr");
  expect(await rows.count()).toBeGreaterThanOrEqual(4);
  for (const description of await rows.locator("td:last-child").allTextContents())
    expect(description.trim()).not.toBe("");
  await expect(page.locator("#callers-explained")).toContainText(
    "Callers: how many places in this repository's code (tests aside) call the method",
  );
  await expect(
    page.getByRole("columnheader", { name: "Callers" }).first().locator("abbr"),
  ).toHaveAttribute("title", "Places in the code (tests aside) that call this method");
  // Resolvers by the name contracts call them. // demo:line
  await expect(rows.filter({ hasText: "getOrgBySlug" })).toContainText("byOrganizationSlug(slug)"); // demo:line
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
  // The viewer's first render (VIEWER_RENDER_MS: past 5 s on a busy machine).
  await expect(reference.getByRole("heading", { level: 1 })).toHaveText("Silo RPC services", {
    timeout: VIEWER_RENDER_MS,
  });
  // demo:start
  for (const tag of ["organization", "user", "organizationMapping", "integration"]) {
    await expect(reference.getByText(tag, { exact: true }).first()).toBeAttached();
  }
  // demo:end
  // The curl examples: absolute (a MONOLITH admin has no RPC endpoint: a silo's address), the
  // signature headers labelled as what they hold, a body the method accepts.
  await expect(reference).toContainText("curl http://127.0.0.1:8000/api/0/internal/rpc/");
  await expect(reference).not.toContainText("curl /api/");
  await expect(reference).not.toContainText("YOUR_SECRET_TOKEN");
  await expect(reference).toContainText("Authorization: Rpcsignature rpc1:<64 lowercase hex");
  await expect(reference).toContainText("X-Rpc-Timestamp: <unix time in seconds>");
  await expect(reference).toContainText("X-Rpc-Nonce: <16-64 random characters");
  await expect(reference).toContainText('"args": {');
  await expect(reference).toContainText(': "0190f5e2-3c4b-7a1d-9e8f-1234567890ab"');
  await expect(reference).not.toContainText('": ""');
  // The viewer looks like itself: the admin's button style (accent border and fill) reaches
  // none of its buttons, while the admin's own buttons keep it.
  const looks = await reference
    .locator("button")
    .evaluateAll((buttons) =>
      buttons.map(
        (button) =>
          `${getComputedStyle(button).borderTopColor} ${getComputedStyle(button).backgroundColor}`,
      ),
    );
  expect(looks.length).toBeGreaterThan(3);
  expect(looks.filter((look) => look.includes(ACCENT_COLOUR))).toEqual([]);
  await expect(page.getByRole("button", { name: "Log out" })).toHaveCSS(
    "border-top-color",
    ACCENT_COLOUR,
  );
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
  // Said once, at the field, in words: not the schema library's, and not again in the report.
  await expect(
    page.locator(".field", { has: page.locator("#param-slug") }).getByRole("note"),
  ).toHaveText("Required");
  await expect(page.getByText("Required", { exact: true })).toHaveCount(1);
  await expect(page.getByRole("list", { name: "Validation issues" })).toHaveCount(0);
  await expect(invalid.locator(".error-message")).toHaveText(
    "The input is invalid: 1 issue, shown above.",
  );
  await expect(page.getByText(/Too small/)).toHaveCount(0);
  // The schemas in words: each field, whether it is required, its type and limits.
  await expect(page.getByRole("region", { name: "Input" })).toContainText(
    "slug required string · at least 1 character",
  );
  const output = page.getByRole("region", { name: "Output" });
  await expect(output).toContainText("object or null");
  await expect(output).toContainText("regionName required string");
  await expect(output.getByText("JSON Schema")).toBeVisible();
});

test("a UUID field says UUID, and one invalid UUID is one issue, worded for people", async ({
  page,
}) => {
  await logIn(page);
  await call(page, "organizationMapping.getById", { organizationId: "not-a-uuid" });
  await expect(page.locator(".schema-fields label[for=param-organizationId]")).toContainText(
    "UUID",
  );
  await expect(page.getByRole("region", { name: "Input" })).toContainText(
    "organizationId required UUID",
  );
  await expect(page.getByText(/^A UUID, like 0190/)).toHaveCount(1);
  await expect(page.getByText(/Invalid UUID/)).toHaveCount(0);
});

test("input that is not JSON is an input error, and no call is made", async ({ page }) => {
  await logIn(page, "/services/organizationMapping/list");
  const editor = page.getByLabel(/Input \(JSON\)/);
  await editor.fill('{"query": "acme",');
  await page.getByRole("button", { name: "Call", exact: true }).click();
  const inputError = page.locator(".editor [role=alert]");
  await expect(inputError).toContainText("The input is not JSON:");
  await expect(editor).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator(".report")).toHaveCount(0);
  await expect(page.getByText("BAD_REQUEST")).toHaveCount(0);
  // Fixed, it calls.
  await editor.fill('{"query": "acme"}');
  await page.getByRole("button", { name: "Call", exact: true }).click();
  await expect(page.locator(".report .badge.ok")).toHaveText("OK");
  await expect(inputError).toHaveCount(0);
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
  await expect(page.getByLabel(/Input \(JSON\)/)).toHaveAttribute("aria-invalid", "true");
  // ...next to the generated form's field, once (not again beside the editor).
  await expect(
    page.locator(".schema-fields .field", { has: page.locator("#param-email") }).getByRole("note"),
  ).toHaveText("An email address, like alice@example.com");
  await expect(page.getByRole("list", { name: "Validation issues" })).toHaveCount(0);
  await expect(page.locator(".schema-fields label[for=param-email]")).toContainText(
    "email address",
  );
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
test("the create form checks the slug in the browser, shows whole owner names, and keeps what was typed after a failure", async ({
  page,
}) => {
  await logIn(page, "/organizations");
  const form = page.getByRole("region", { name: "Create an organization" });
  const slug = form.getByLabel("Slug");
  // The browser checks the slug rule itself (the pattern compiles: no console error, see afterEach).
  await slug.fill("Not A Slug!");
  expect(await slug.evaluate((input: HTMLInputElement) => input.validity.patternMismatch)).toBe(
    true,
  );
  await slug.fill("a-fine-slug");
  expect(await slug.evaluate((input: HTMLInputElement) => input.validity.valid)).toBe(true);
  // Every owner's name and email fits the select: none is cut off.
  const owner = form.getByLabel("Owner");
  for (const option of await owner.locator("option").all()) {
    await owner.selectOption({ label: (await option.textContent()) ?? "" });
    const cut = await owner.evaluate((select: HTMLSelectElement) => {
      const style = getComputedStyle(select);
      const probe = document.createElement("span");
      probe.style.font = style.font;
      probe.style.whiteSpace = "pre";
      probe.textContent = select.selectedOptions[0]?.textContent ?? "";
      document.body.append(probe);
      const text = probe.getBoundingClientRect().width;
      probe.remove();
      // The room for the text: the width inside the padding, less the drop-down arrow's.
      const room =
        select.clientWidth -
        Number.parseFloat(style.paddingLeft) -
        Number.parseFloat(style.paddingRight) -
        20;
      return text > room ? `${select.value}: ${text}px of text in ${room}px` : null;
    });
    expect(cut).toBeNull();
  }
  // A create the silo refuses (the slug is taken) keeps everything as typed.
  await form.getByLabel("Region").selectOption("eu");
  await slug.fill("acme");
  await form.getByLabel("Name").fill("A second Acme");
  await owner.selectOption({ index: 2 });
  const chosenOwner = await owner.inputValue();
  await form.getByRole("button", { name: "Create" }).click();
  await expect(form.locator(".report .badge.error")).toBeVisible();
  await expect(form.getByLabel("Region")).toHaveValue("eu");
  await expect(form.getByLabel("Slug")).toHaveValue("acme");
  await expect(form.getByLabel("Name")).toHaveValue("A second Acme");
  await expect(form.getByLabel("Owner")).toHaveValue(chosenOwner);
  await shot(page, "organizations-create-failed");
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

test("the Outboxes page: control's outbox and the regions' one, nothing waiting, and Deliver now says what it delivered", async ({
  page,
}) => {
  await logIn(page);
  await page.getByRole("link", { name: "Outboxes" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Outboxes");
  // A MONOLITH: control's outbox, and one region outbox for every region.
  await expect(page.getByRole("heading", { level: 2 })).toHaveText([
    "Control's outbox",
    "The regions' outbox",
  ]);
  const control = page.getByRole("region", { name: "Control's outbox" });
  const regions = page.getByRole("region", { name: "The regions' outbox" });
  await expect(regions).toContainText("From every region (us, eu) to control");
  for (const outbox of [control, regions]) {
    await expect(outbox.locator(".empty")).toHaveText(
      "Nothing waiting: every message written here has been delivered.",
    );
  }
  await shot(page, "outboxes");
  await regions.getByRole("button", { name: "Deliver now" }).click();
  await expect(regions.getByRole("status")).toHaveText("Delivered 0 messages.");
  // The call, as every call the admin makes: in this process.
  await regions.getByText("How the call went").click();
  await expect(regions.getByTestId("route")).toContainText("local, in this process");
  await shot(page, "outboxes-delivered");
  await expect(regions.locator(".empty")).toBeVisible();
  await expect(control.getByRole("status")).toHaveText("");
});

test.describe("at a phone's width", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("every page fits the width, with no sideways scrolling", async ({ page }) => {
    await logIn(page);
    for (const [name, path] of [
      ["services", "/services"],
      ["method", "/services/organization/createOrganization"], // demo:line
      ["regions", "/regions"],
      ["organizations", "/organizations"],
      ["outboxes", "/outboxes"],
      ["api", "/api"],
    ] as const) {
      await page.goto(path);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      if (name === "api")
        await expect(page.locator(".api-reference h1")).toBeVisible({ timeout: VIEWER_RENDER_MS });
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `${path} scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(0);
      await shot(page, `narrow-${name}`);
    }
  });
});

import { rpcSchema } from "@acme/services";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { limitsOf, typeText } from "./schema-text.ts";

/** The JSON Schema Zod writes for a value the method receives (as the OpenAPI document does). */
const schemaOf = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;

describe("typeText", () => {
  it.each([
    ["string", z.string()],
    ["UUID", z.uuid()],
    ["date-time (ISO 8601)", z.iso.datetime({ offset: true })],
    ["email address", z.email()],
    ["string (ipv4)", z.ipv4()],
    ["integer", z.int()],
    ["boolean", z.boolean()],
    ["array of UUID", z.array(z.uuid())],
    ["one of ACTIVE, DISABLED", z.enum(["ACTIVE", "DISABLED"])],
    ['always "v1"', z.literal("v1")],
    ["object or null", z.object({ id: z.uuid() }).nullable()],
    ["string or number", z.union([z.string(), z.number()])],
  ] as const)("%s", (text, schema) => {
    expect(typeText(schemaOf(schema))).toBe(text);
  });
});

describe("limitsOf", () => {
  it("names lengths, item counts, bounds and defaults", () => {
    expect(limitsOf(schemaOf(z.string().min(1).max(50)))).toEqual(["1–50 characters"]);
    expect(limitsOf(schemaOf(z.string().min(1)))).toEqual(["at least 1 character"]);
    expect(limitsOf(schemaOf(z.array(z.string()).min(2)))).toEqual(["at least 2 items"]);
    expect(limitsOf(schemaOf(z.array(z.string()).max(100)))).toEqual(["at most 100 items"]);
    expect(limitsOf(schemaOf(z.int().min(1)))).toEqual(["at least 1"]);
    expect(limitsOf(schemaOf(z.int()))).toEqual([]);
    expect(limitsOf(schemaOf(z.boolean().default(true)))).toEqual(["default true"]);
  });

  it("shows a pattern of its own, not the one a format implies", () => {
    expect(limitsOf(schemaOf(z.string().regex(/^[a-z]+$/)))).toEqual(["matches ^[a-z]+$"]);
    expect(limitsOf(schemaOf(z.uuid()))).toEqual([]);
  });

  it("describes every field of every method's input and output without giving up", () => {
    const document = rpcSchema();
    const texts: string[] = [];
    const visit = (schema: Record<string, unknown>) => {
      texts.push(typeText(schema));
      for (const child of Object.values((schema.properties ?? {}) as object)) visit(child);
      if (typeof schema.items === "object" && schema.items !== null)
        visit(schema.items as Record<string, unknown>);
      for (const member of (schema.anyOf ?? []) as Record<string, unknown>[]) visit(member);
    };
    for (const item of Object.values(document.paths)) {
      const body = item.post.requestBody.content["application/json"].schema.properties.args;
      const value = item.post.responses["200"].content["application/json"].schema.properties.value;
      visit(body);
      visit(value);
    }
    expect(texts.length).toBeGreaterThan(Object.keys(document.paths).length * 2);
    expect(texts.filter((text) => text === "any value" || text === "undefined")).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { JsonSchema } from "./openapi.ts";
import { schemaExample } from "./schema-example.ts";

/** The JSON Schema Zod writes for a method's input, as the OpenAPI document has it. */
const schemaOf = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }) as JsonSchema;

describe("schemaExample", () => {
  it("gives values the schema accepts, for each kind of field", () => {
    const input = z.object({
      id: z.uuid(),
      email: z.email(),
      at: z.iso.datetime({ offset: true }),
      name: z.string().min(1).max(100),
      code: z.string().length(3),
      long: z.string().min(20),
      limit: z.int().min(1).max(100),
      count: z.int(),
      ratio: z.number().gt(0).lt(1),
      status: z.enum(["ACTIVE", "DISABLED"]),
      version: z.literal("v1"),
      flag: z.boolean(),
      ids: z.array(z.uuid()).min(2).max(5),
      nested: z.object({ organizationId: z.uuid() }),
      maybe: z.string().min(1).nullable(),
      optional: z.string().optional(),
    });
    const example = schemaExample(schemaOf(input));
    expect(input.safeParse(example).error?.issues ?? []).toEqual([]);
    // Only what is required: the smallest call that still says something.
    expect(example).not.toHaveProperty("optional");
  });

  it("prefers the schema's own examples (Zod's .meta), which a pattern needs", () => {
    const slug = z
      .string()
      .regex(/^[a-z]+-[0-9]+$/)
      .meta({ examples: ["acme-1"] });
    expect(schemaExample(schemaOf(z.object({ slug })))).toEqual({ slug: "acme-1" });
    expect(schemaExample(schemaOf(z.int().default(7)))).toBe(7);
  });

  it("follows $ref into $defs", () => {
    expect(
      schemaExample({
        type: "object",
        required: ["a"],
        properties: { a: { $ref: "#/$defs/A" } },
        $defs: { A: { type: "string", format: "uuid" } },
      }),
    ).toEqual({ a: "0190f5e2-3c4b-7a1d-9e8f-1234567890ab" });
  });
});

// The OpenAPI document marks what JSON Schema cannot describe: the Zod effects (refinements,
// transforms, pipes) that check or change a value, where they run (x-rpc-effects).
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { controlQuery, defineService } from "./contract.ts";
import { EFFECTS_KEYWORD, type JsonSchema, openApiDocument } from "./openapi.ts";

/** The `args` and `value` schemas of a method with this input and output. */
function schemas(input: z.ZodObject, output: z.ZodType = z.null()) {
  const service = defineService({
    key: "probe",
    localMode: "CONTROL",
    methods: { run: controlQuery({ input, output }) },
  });
  const operation = openApiDocument([service]).paths["/api/0/internal/rpc/probe/run/"]?.post;
  const args = operation?.requestBody.content["application/json"].schema.properties.args;
  const value = operation?.responses["200"].content["application/json"].schema.properties.value;
  return { args: args as JsonSchema, value: value as JsonSchema };
}
const param = (schema: z.ZodType) =>
  (schemas(z.object({ p: schema })).args.properties as Record<string, JsonSchema>).p;

describe(`${EFFECTS_KEYWORD}: the Zod effects on a schema`, () => {
  it.each<[string, z.ZodType, string[]]>([
    ["a refinement", z.string().refine((s) => s !== "root"), ["refine"]],
    ["a superRefine", z.string().superRefine(() => {}), ["refine"]],
    [
      "two refinements, around other checks",
      z.string().max(9).refine(Boolean).refine(Boolean),
      ["refine", "refine"],
    ],
    ["a transform", z.string().transform((s) => s.length), ["transform"]],
    [
      "a refinement, then a transform",
      z
        .string()
        .refine(Boolean)
        .transform((s) => s.length),
      ["refine", "transform"],
    ],
    ["a preprocess", z.preprocess((v) => v, z.number()), ["preprocess"]],
    ["a pipe into another schema", z.string().pipe(z.string().min(3)), ["pipe"]],
    ["z.custom", z.custom<string>((v) => typeof v === "string"), ["refine"]],
    ["a refined optional parameter", z.string().refine(Boolean).optional(), ["refine"]],
  ])("%s", (_, schema, effects) => {
    expect(param(schema)?.[EFFECTS_KEYWORD]).toEqual(effects);
  });

  it("where it runs: on the member of a nullable, inside a named definition, on the whole input", () => {
    const nullable = param(z.string().refine(Boolean).nullable());
    expect(nullable).toEqual({
      anyOf: [{ type: "string", [EFFECTS_KEYWORD]: ["refine"] }, { type: "null" }],
    });
    const Named = z.object({ slug: z.string().refine(Boolean) }).meta({ id: "EffectsNamed" });
    const { args } = schemas(z.object({ named: Named }));
    expect(args.$defs).toMatchObject({
      EffectsNamed: { properties: { slug: { [EFFECTS_KEYWORD]: ["refine"] } } },
    });
    const whole = schemas(z.object({ a: z.string() }).refine(Boolean)).args;
    expect(whole[EFFECTS_KEYWORD]).toEqual(["refine"]);
    expect((whole.properties as Record<string, JsonSchema>).a).toEqual({ type: "string" });
  });

  it("on an output: a transform is marked once", () => {
    const { value } = schemas(z.object({}), z.object({ n: z.string().transform((s) => s.length) }));
    expect((value.properties as Record<string, JsonSchema>).n?.[EFFECTS_KEYWORD]).toEqual([
      "transform",
    ]);
  });

  it("is absent where Zod's own checks say everything (formats, bounds, defaults, trim)", () => {
    const { args } = schemas(
      z.object({
        id: z.uuid(),
        name: z.string().min(1).max(9).trim(),
        limit: z.number().int().default(10),
      }),
    );
    expect(JSON.stringify(args)).not.toContain(EFFECTS_KEYWORD);
  });
});

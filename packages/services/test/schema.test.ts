// The OpenAPI document: valid, faithful to the wire, and equal to the committed snapshot.
import fs from "node:fs";
import path from "node:path";
import type { AnyMethodContract } from "@acme/rpc";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { contracts } from "../src/contracts.ts";
import { rpcSchema } from "../src/schema.ts";

const snapshot = path.join(import.meta.dirname, "../../../rpc-schema/openapi.json");

describe("rpc-schema/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(rpcSchema()) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("has one POST per method, with the routing facts as x- extensions", () => {
    const document = rpcSchema();
    const operations = Object.entries(document.paths).map(([route, item]) => [
      route,
      item.post.operationId,
    ]);
    // One operation per method of every service, those added since included (turbo gen rpc-service).
    expect(operations.map(([, operationId]) => operationId).sort()).toEqual(
      contracts
        .flatMap((service) => Object.keys(service.methods).map((m) => `${service.key}.${m}`))
        .sort(),
    );
    // A CONTROL method: no resolver, the control silo answers it.
    expect(
      document.paths["/api/0/internal/rpc/organizationMapping/getBySlug/"]?.post,
    ).toMatchObject({
      operationId: "organizationMapping.getBySlug",
      "x-silo-local-mode": "CONTROL",
      "x-rpc-kind": "query",
      "x-rpc-resolver": null,
    });
    // demo:start
    // A REGION method: routed by the organization slug among its arguments.
    const getOrgBySlug = document.paths["/api/0/internal/rpc/organization/getOrgBySlug/"]?.post;
    expect(getOrgBySlug).toMatchObject({
      "x-silo-local-mode": "REGION",
      "x-rpc-kind": "query",
      "x-rpc-resolver": { kind: "byOrganizationSlug", param: "slug" },
      "x-rpc-return-null-if-mapping-not-found": true,
    });
    expect(
      getOrgBySlug?.requestBody.content["application/json"].schema.properties.args,
    ).toMatchObject({
      type: "object",
      required: ["slug"],
      properties: { slug: { type: "string" }, userId: { type: "string", format: "uuid" } },
    });
    expect(getOrgBySlug?.responses["200"].content["application/json"].schema).toMatchObject({
      required: ["value", "meta"],
      properties: { value: { anyOf: [{ type: "object" }, { type: "null" }] } },
    });
    // demo:end
  });

  it("describes every method (the API viewer and the admin list them by it)", () => {
    const undescribed = contracts.flatMap((service) =>
      Object.entries(service.methods as Record<string, AnyMethodContract>)
        .filter(([, method]) => (method.description ?? "").trim() === "")
        .map(([name]) => `${service.key}.${name}`),
    );
    expect(undescribed, "methods without a description").toEqual([]);
  });

  it("gives every method an example request its input schema accepts", () => {
    const document = rpcSchema();
    const refused: string[] = [];
    for (const service of contracts) {
      for (const [name, method] of Object.entries(
        service.methods as Record<string, AnyMethodContract>,
      )) {
        const operation = Object.values(document.paths).find(
          (item) => item.post.operationId === `${service.key}.${name}`,
        )?.post;
        const example = operation?.requestBody.content["application/json"].example;
        expect(example?.meta, `${service.key}.${name}`).toEqual({});
        const parsed = method.input.safeParse(example?.args);
        if (!parsed.success)
          refused.push(
            `${service.key}.${name} ${JSON.stringify(example?.args)}: ${parsed.error.issues
              .map((issue) => `${issue.path.join(".")} ${issue.message}`)
              .join("; ")} (give the field .meta({ examples: [...] }))`,
          );
      }
    }
    expect(refused).toEqual([]);
  });

  it("is the committed snapshot (the contract that is deployed)", () => {
    const committed: unknown = JSON.parse(fs.readFileSync(snapshot, "utf8"));
    expect(
      committed,
      "The RPC contracts changed. Run `npm run rpc:compat` to check the change is safe to deploy, then `npm run rpc:compat -- --update` to record it.",
    ).toEqual(JSON.parse(JSON.stringify(rpcSchema())));
  });
});

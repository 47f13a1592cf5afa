import { siloConfig } from "@acme/rpc";
import { rpcSchema } from "@acme/services";
import { describe, expect, it } from "vitest";
import { DEFAULT_SILO_ADDRESS, SIGNATURE_PLACEHOLDERS, viewerDocument } from "./api-document.ts";

const document = rpcSchema();
const operations = Object.entries(document.paths);
const urlsOf = (viewed: ReturnType<typeof viewerDocument>, path: string) =>
  viewed.paths[path]?.servers.map((server) => server.url);

describe("the API viewer's document", () => {
  it("sends each method to the silos that answer it, at this admin's configured addresses", () => {
    const viewed = viewerDocument(
      document,
      siloConfig({
        mode: "CONTROL",
        secrets: ["test-secret-not-for-production"],
        controlAddress: "http://control.internal:8000/",
        regions: [
          { name: "us", address: "http://us.internal:8001" },
          { name: "eu", address: "http://eu.internal:8002" },
        ],
      }),
    );
    expect(operations.length).toBeGreaterThan(0);
    for (const [path, item] of operations) {
      expect(urlsOf(viewed, path), path).toEqual(
        item.post["x-silo-local-mode"] === "CONTROL"
          ? ["http://control.internal:8000"]
          : ["http://us.internal:8001", "http://eu.internal:8002"],
      );
    }
  });

  it("without addresses (a MONOLITH admin has no RPC endpoint), names a silo's address to fill in", () => {
    const viewed = viewerDocument(
      document,
      siloConfig({ mode: "MONOLITH", regions: [{ name: "us" }, { name: "eu" }] }),
    );
    for (const [path] of operations) {
      const [server, ...others] = viewed.paths[path]?.servers ?? [];
      expect(others).toEqual([]);
      expect(server?.url).toBe("{silo}");
      expect(server?.variables?.silo?.default).toBe(DEFAULT_SILO_ADDRESS);
    }
  });

  it("labels each signature header with what it holds, and leaves the contract as it is", () => {
    const viewed = viewerDocument(document, siloConfig({ mode: "MONOLITH" }));
    const schemes = viewed.components.securitySchemes;
    expect(schemes.rpcSignature["x-scalar-secret-token"]).toMatch(/^Rpcsignature rpc1:</);
    expect(schemes.rpcSignature.name).toBe("Authorization");
    expect(schemes.rpcTimestamp["x-scalar-secret-token"]).toBe(SIGNATURE_PLACEHOLDERS.rpcTimestamp);
    expect(schemes.rpcNonce["x-scalar-secret-token"]).toBe(SIGNATURE_PLACEHOLDERS.rpcNonce);
    expect(JSON.stringify(viewed)).not.toContain("YOUR_SECRET_TOKEN");
    // The operations themselves are the contract's, untouched.
    for (const [path, item] of operations) expect(viewed.paths[path]?.post).toEqual(item.post);
    expect(document.components.securitySchemes.rpcSignature).not.toHaveProperty(
      "x-scalar-secret-token",
    );
  });
});

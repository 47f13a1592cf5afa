import { describe, expect, it } from "vitest";
import { createSiloClient, ServiceRegistry, SiloRuntime, siloConfig } from "../src/index.ts";
import { contracts, entries, MAPPINGS, MemoryMappings, type TestContext } from "./fixtures.ts";

describe("monolith smoke", () => {
  it("routes locally", async () => {
    const ctx: TestContext = {
      silo: "monolith",
      notes: new Map(),
      counter: { value: 0, calls: 0 },
    };
    const runtime = new SiloRuntime({
      config: siloConfig({ regions: [{ name: "us" }, { name: "eu" }] }),
      registry: new ServiceRegistry(entries),
      mappings: new MemoryMappings(MAPPINGS),
      createContext: () => ctx,
    });
    const client = createSiloClient(runtime, contracts);
    const { id } = await client.note.add.mutate({ slug: "acme", text: "hi" });
    expect(await client.note.get.query({ slug: "acme", id })).toEqual({
      id,
      text: "hi",
      region: "monolith",
      at: "2026-01-01T00:00:00.000Z",
    });
    expect(await client.note.get.query({ slug: "nope", id })).toBeNull();
    await expect(client.note.fail.query({ slug: "acme", how: "forbidden" })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "Not your note.",
    });
    await expect(client.note.fail.query({ slug: "acme", how: "crash" })).rejects.toMatchObject({
      code: "INTERNAL_SERVER_ERROR",
      message: "Internal server error.",
    });
    await expect(client.note.add.mutate({ slug: "acme", text: "" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    expect(await client.clock.bump.mutate({})).toEqual({ value: 1 });
  });
});

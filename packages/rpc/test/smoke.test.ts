import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import {
  createSiloClient,
  createSiloTRPCClient,
  ServiceRegistry,
  SiloRuntime,
  siloConfig,
  TRPCError,
  validationIssues,
} from "../src/index.ts";
import { contracts, entries, MAPPINGS, MemoryMappings, type TestContext } from "./fixtures.ts";

function monolith() {
  const ctx: TestContext = { silo: "monolith", notes: new Map(), counter: { value: 0, calls: 0 } };
  return new SiloRuntime({
    config: siloConfig({ regions: [{ name: "us" }, { name: "eu" }] }),
    registry: new ServiceRegistry(entries),
    mappings: new MemoryMappings(MAPPINGS),
    createContext: () => ctx,
  });
}

describe("the two clients", () => {
  it("createSiloClient and createTRPCClient with siloLink return the same values", async () => {
    const runtime = monolith();
    const fast = createSiloClient(runtime, contracts);
    const standard = createSiloTRPCClient(runtime, contracts);
    const { id } = await fast.note.add.mutate({ slug: "acme", text: "hi" });
    const expected = { id, text: "hi", region: "monolith", at: "2026-01-01T00:00:00.000Z" };
    expect(await fast.note.get.query({ slug: "acme", id })).toEqual(expected);
    expect(await standard.note.get.query({ slug: "acme", id })).toEqual(expected);
    expect(await standard.note.get.query({ slug: "nope", id })).toBeNull();
    expect(await standard.clock.bump.mutate({ by: 2 })).toEqual({ value: 2 });
  });

  it("raise the same error: the TRPCError itself, or as the cause of tRPC's TRPCClientError", async () => {
    const runtime = monolith();
    const fast = await createSiloClient(runtime, contracts)
      .note.fail.query({ slug: "acme", how: "forbidden" })
      .catch((error: unknown) => error);
    const standard = await createSiloTRPCClient(runtime, contracts)
      .note.fail.query({ slug: "acme", how: "forbidden" })
      .catch((error: unknown) => error);

    expect(fast).toBeInstanceOf(TRPCError);
    expect(fast).toMatchObject({ code: "FORBIDDEN", message: "Not your note." });
    expect(standard).toBeInstanceOf(TRPCClientError);
    expect((standard as TRPCClientError<never>).cause).toBeInstanceOf(TRPCError);
    expect((standard as TRPCClientError<never>).cause).toMatchObject({
      code: "FORBIDDEN",
      message: "Not your note.",
    });
  });

  it("run a router without direct handlers (built by hand) through tRPC, with the same results", async () => {
    const ctx: TestContext = {
      silo: "monolith",
      notes: new Map(),
      counter: { value: 0, calls: 0 },
    };
    const routerOnly = entries.map((entry) => ({
      contract: entry.contract,
      load: async () => {
        const { contract, router } = await entry.load();
        return { contract, router };
      },
    }));
    const runtime = new SiloRuntime({
      config: siloConfig({ regions: [{ name: "us" }, { name: "eu" }] }),
      registry: new ServiceRegistry(routerOnly),
      mappings: new MemoryMappings(MAPPINGS),
      createContext: () => ctx,
    });
    const client = createSiloClient(runtime, contracts);
    const { id } = await client.note.add.mutate({ slug: "acme", text: "by tRPC" });
    expect(await client.note.get.query({ slug: "acme", id })).toMatchObject({ text: "by tRPC" });
    const invalid = await client.note.add
      .mutate({ slug: "acme", text: "" })
      .catch((e: unknown) => e);
    expect(invalid).toMatchObject({ code: "BAD_REQUEST" });
    expect(validationIssues(invalid)).toEqual([
      { path: "text", message: "Too small: expected string to have >=1 characters" },
    ]);
    await expect(client.note.fail.query({ slug: "acme", how: "crash" })).rejects.toMatchObject({
      code: "INTERNAL_SERVER_ERROR",
      message: "Internal server error.",
    });
  });

  it("refuses a call that is not client.<service>.<method>.query/mutate", () => {
    const client = createSiloClient(monolith(), contracts) as unknown as {
      note: { get: { subscribe: (input: unknown) => unknown } };
    };
    expect(() => client.note.get.subscribe({})).toThrow(
      "Call a method as client.<service>.<method>.query() or .mutate(), not note.get.subscribe.",
    );
  });
});

// Startup checks: configuration, service definitions, implementations; and the mapping cache.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  byOrganizationSlug,
  controlQuery,
  defineService,
  EnvError,
  implementationsFor,
  loadSiloConfig,
  MappingCache,
  regionQuery,
  ServiceDefinitionError,
  ServiceRegistry,
} from "../src/index.ts";
import {
  clockImpl,
  clockService,
  MAPPINGS,
  MemoryMappings,
  noteImpl,
  noteService,
} from "./fixtures.ts";

const errorOf = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
};

describe("loadSiloConfig", () => {
  it("defaults to a MONOLITH with a 5 s timeout", () => {
    const config = loadSiloConfig({});
    expect(config).toMatchObject({
      mode: "MONOLITH",
      timeoutMs: 5000,
      regions: [],
      secrets: [],
      acceptRpc0: false,
    });
  });

  it("parses a REGION silo's settings", () => {
    const config = loadSiloConfig({
      SILO_MODE: "REGION",
      REGION_NAME: "eu",
      RPC_SHARED_SECRET: "new-secret, old-secret",
      CONTROL_ADDRESS: "http://control.internal:8000",
      REGION_CONFIG:
        '[{"name":"us","address":"http://us:8000"},{"name":"eu","address":"http://eu:8000","category":"SINGLE_TENANT"}]',
      RPC_TIMEOUT_MS: "2500",
      RPC_METHOD_TIMEOUTS: "organization.getOrgBySlug=800, user.getUser=300",
      RPC_DISABLED_METHODS: "integration.listForOrganization",
    });
    expect(config.secrets).toEqual(["new-secret", "old-secret"]);
    expect(config.regions[1]).toEqual({
      name: "eu",
      address: "http://eu:8000",
      category: "SINGLE_TENANT",
    });
    expect(config.methodTimeouts.get("user.getUser")).toBe(300);
    expect(config.disabledMethods.has("integration.listForOrganization")).toBe(true);
    expect(config.regionName).toBe("eu");
  });

  it("names every wrong variable", () => {
    const error = errorOf(() =>
      loadSiloConfig({
        SILO_MODE: "REGION",
        REGION_CONFIG: '[{"name":"us"}]',
        RPC_TIMEOUT_MS: "soon",
        RPC_METHOD_TIMEOUTS: "getUser=5",
        RPC_DISABLED_METHODS: "nodot",
      }),
    );
    expect(error).toBeInstanceOf(EnvError);
    for (const expected of [
      "RPC_TIMEOUT_MS:",
      'RPC_METHOD_TIMEOUTS: "getUser=5" is not service.method=<milliseconds>',
      'RPC_DISABLED_METHODS: "nodot" is not service.method',
    ]) {
      expect(error.message).toContain(expected);
    }
  });

  it("requires what a split silo needs", () => {
    const message = errorOf(() =>
      loadSiloConfig({ SILO_MODE: "REGION", REGION_CONFIG: '[{"name":"us"}]' }),
    ).message;
    expect(message).toContain("RPC_SHARED_SECRET: is required when SILO_MODE is REGION");
    expect(message).toContain("REGION_NAME: is required when SILO_MODE is REGION");
    expect(message).toContain("CONTROL_ADDRESS: is required when SILO_MODE is REGION");
    expect(message).toContain(
      'REGION_CONFIG: region "us" needs an address when SILO_MODE is REGION',
    );
    expect(
      errorOf(() =>
        loadSiloConfig({
          SILO_MODE: "REGION",
          REGION_NAME: "mars",
          RPC_SHARED_SECRET: "s",
          CONTROL_ADDRESS: "http://c",
          REGION_CONFIG: '[{"name":"us","address":"http://us"}]',
        }),
      ).message,
    ).toContain('REGION_NAME: "mars" is not in REGION_CONFIG (us)');
    expect(errorOf(() => loadSiloConfig({ REGION_CONFIG: "not json" })).message).toContain(
      "REGION_CONFIG: must be a JSON list of {name, address, category?}",
    );
    expect(errorOf(() => loadSiloConfig({ SILO_MODE: "EDGE" })).message).toContain("SILO_MODE:");
  });
});

describe("ServiceRegistry", () => {
  const okEntry = { contract: clockService, load: async () => clockImpl };

  it("names the service and method of each definition mistake", () => {
    const bad = defineService({
      key: "bad",
      localMode: "REGION",
      methods: {
        noResolver: controlQuery({ input: z.object({}), output: z.null() }),
        // The types forbid a non-object input; the startup check catches casts and JavaScript.
        positional: regionQuery({
          input: z.string() as unknown as z.ZodObject,
          output: z.null(),
          resolve: byOrganizationSlug() as never,
        }),
        // Without a mapping the caller gets null, which this output refuses.
        notNullable: regionQuery({
          input: z.object({ slug: z.string() }),
          output: z.object({ slug: z.string() }),
          resolve: byOrganizationSlug(),
          returnNullIfMappingNotFound: true,
        }),
        nullable: regionQuery({
          input: z.object({ slug: z.string() }),
          output: z.object({ slug: z.string() }).nullable(),
          resolve: byOrganizationSlug(),
          returnNullIfMappingNotFound: true,
        }),
      },
    });
    const control = defineService({
      key: "ctl",
      localMode: "CONTROL",
      methods: {
        routed: regionQuery({
          input: z.object({ slug: z.string() }),
          output: z.null(),
          resolve: byOrganizationSlug(),
        }),
      },
    });
    const message = errorOf(
      () =>
        new ServiceRegistry([
          okEntry,
          { contract: bad, load: async () => clockImpl },
          { contract: control, load: async () => clockImpl },
          okEntry,
        ]),
    ).message;
    expect(message).toContain("bad.noResolver: methods of a REGION service need a resolver");
    expect(message).toContain(
      "bad.positional: input must be a z.object() of named parameters, not string",
    );
    expect(message).toContain(
      "ctl.routed: methods of a CONTROL service run in the control silo and take no resolver",
    );
    expect(message).toContain(
      "bad.notNullable: returnNullIfMappingNotFound answers null, which its output does not accept",
    );
    expect(message).not.toContain("bad.nullable:");
    expect(message).toContain('Service key "clock" is used by two services.');
  });

  it("rejects, on first use, an implementation that does not match its contract", async () => {
    const registry = new ServiceRegistry([{ contract: noteService, load: async () => clockImpl }]);
    await expect(registry.implementation("note")).rejects.toThrow(ServiceDefinitionError);
    await expect(registry.implementation("note")).rejects.toThrow(/does not match its contract/);
  });

  it("loads an implementation once, lazily", async () => {
    let loads = 0;
    const registry = new ServiceRegistry([
      {
        contract: noteService,
        load: async () => {
          loads++;
          return noteImpl;
        },
      },
    ]);
    expect(loads).toBe(0);
    await Promise.all([registry.implementation("note"), registry.implementation("note")]);
    expect(loads).toBe(1);
  });

  it("treats prototype names as unknown", () => {
    const registry = new ServiceRegistry([okEntry]);
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      expect(registry.contract(name)).toBeUndefined();
      expect(registry.method("clock", name)).toBeUndefined();
    }
  });
});

describe("implementations are checked by the compiler", () => {
  const implement = implementationsFor<{ n: number }>();
  it("rejects missing, extra and mistyped methods", () => {
    expect(() =>
      // @ts-expect-error: "bump" and "slow" are missing
      implement(clockService, { now: async () => ({ silo: "x" }) }),
    ).toThrow('Service "clock": the implementation has no method "bump".');
    expect(() =>
      implement(clockService, {
        now: async () => ({ silo: "x" }),
        bump: async () => ({ value: 1 }),
        slow: async () => ({ waited: 1 }),
        // @ts-expect-error: not in the contract
        extra: async () => null,
      }),
    ).toThrow('"extra" is implemented but not in the contract.');
    implement(clockService, {
      // @ts-expect-error: the output schema says { silo: string }
      now: async () => ({ silo: 42 }),
      bump: async ({ input }) => ({ value: input.by }),
      slow: async ({ ctx }) => ({ waited: ctx.n }),
    });
  });
});

describe("MappingCache", () => {
  it("serves hits from memory until the TTL passes, and does not cache misses", async () => {
    let now = 0;
    const source = new MemoryMappings(MAPPINGS);
    const cache = new MappingCache(source, { ttlMs: 1000, now: () => now });
    await cache.bySlug("acme");
    await cache.byId("org-us");
    await cache.bySlug("acme");
    expect(source.lookups).toBe(1);
    now = 1001;
    await cache.bySlug("acme");
    expect(source.lookups).toBe(2);
    await cache.bySlug("nobody");
    await cache.bySlug("nobody");
    expect(source.lookups).toBe(4);
  });

  it("is bounded, evicting the least recently used", async () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({
      organizationId: `id-${i}`,
      slug: `s-${i}`,
      regionName: "us",
    }));
    const cache = new MappingCache(new MemoryMappings(rows), { maxEntries: 6 });
    for (const row of rows) await cache.bySlug(row.slug);
    expect(cache.size).toBe(6);
    expect(cache.peek({ slug: "s-9" })).toBeDefined();
    expect(cache.peek({ slug: "s-0" })).toBeUndefined();
  });

  it("caches the one organization of a single-organization install, and forgets it on any change", async () => {
    const source = new MemoryMappings([MAPPINGS[0] as (typeof MAPPINGS)[number]]);
    const cache = new MappingCache(source);
    expect(await cache.single()).toEqual(MAPPINGS[0]);
    expect(await cache.single()).toEqual(MAPPINGS[0]);
    expect(source.lookups).toBe(1);
    // Another organization recorded by this process: the install may no longer have one.
    source.rows.push(MAPPINGS[1] as (typeof MAPPINGS)[number]);
    cache.invalidate({ organizationId: "org-eu", slug: "globex" });
    expect(await cache.single()).toBeNull();
    expect(source.lookups).toBe(2);
  });

  it("forgets an organization by id and slug when invalidated", async () => {
    const source = new MemoryMappings(MAPPINGS);
    const cache = new MappingCache(source);
    await cache.bySlug("globex");
    expect(cache.peek({ organizationId: "org-eu" })).toBeDefined();
    cache.invalidate({ organizationId: "org-eu" });
    expect(cache.peek({ slug: "globex" })).toBeUndefined();
    expect(cache.peek({ organizationId: "org-eu" })).toBeUndefined();
  });
});

// A small pair of services for the framework's own tests (the demo domain lives in @acme/services).
import { z } from "zod";
import {
  byOrganizationSlug,
  byRegionName,
  controlMutation,
  controlQuery,
  defineService,
  implementationsFor,
  type MappingSource,
  type OrganizationMapping,
  regionMutation,
  regionQuery,
  TRPCError,
} from "../src/index.ts";

export const noteService = defineService({
  key: "note",
  localMode: "REGION",
  methods: {
    get: regionQuery({
      input: z.object({ slug: z.string(), id: z.number().int() }),
      output: z
        .object({ id: z.number(), text: z.string(), region: z.string(), at: z.iso.datetime() })
        .nullable(),
      resolve: byOrganizationSlug("slug"),
      returnNullIfMappingNotFound: true,
    }),
    add: regionMutation({
      input: z.object({ slug: z.string(), text: z.string().min(1).max(100) }),
      output: z.object({ id: z.number() }),
      resolve: byOrganizationSlug("slug"),
    }),
    count: regionQuery({
      input: z.object({ regionName: z.string() }),
      output: z.object({ region: z.string(), count: z.number() }),
      resolve: byRegionName(),
    }),
    fail: regionQuery({
      input: z.object({ slug: z.string(), how: z.enum(["forbidden", "crash"]) }),
      output: z.null(),
      resolve: byOrganizationSlug("slug"),
    }),
  },
});

export const clockService = defineService({
  key: "clock",
  localMode: "CONTROL",
  methods: {
    now: controlQuery({ input: z.object({}), output: z.object({ silo: z.string() }) }),
    bump: controlMutation({
      input: z.object({ by: z.number().int().default(1) }),
      output: z.object({ value: z.number() }),
    }),
    slow: controlQuery({
      input: z.object({ ms: z.number().int().max(5000) }),
      output: z.object({ waited: z.number() }),
    }),
  },
});

export const contracts = [noteService, clockService] as const;

export interface TestContext {
  silo: string;
  notes: Map<number, { text: string; region: string }>;
  counter: { value: number; calls: number };
}

const implement = implementationsFor<TestContext>();

export const noteImpl = implement(noteService, {
  get: async ({ input, ctx }) => {
    const note = ctx.notes.get(input.id);
    return note
      ? { id: input.id, text: note.text, region: ctx.silo, at: "2026-01-01T00:00:00.000Z" }
      : null;
  },
  add: async ({ input, ctx }) => {
    const id = ctx.notes.size + 1;
    ctx.notes.set(id, { text: input.text, region: ctx.silo });
    return { id };
  },
  count: async ({ ctx }) => ({ region: ctx.silo, count: ctx.notes.size }),
  fail: async ({ input }) => {
    if (input.how === "forbidden")
      throw new TRPCError({ code: "FORBIDDEN", message: "Not your note." });
    throw new Error("database password is hunter2");
  },
});

export const clockImpl = implement(clockService, {
  now: async ({ ctx }) => ({ silo: ctx.silo }),
  bump: async ({ input, ctx }) => {
    ctx.counter.calls++;
    ctx.counter.value += input.by;
    return { value: ctx.counter.value };
  },
  slow: async ({ input, signal }) => {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, input.ms);
      signal?.addEventListener("abort", () => clearTimeout(timer));
    });
    return { waited: input.ms };
  },
});

export const entries = [
  { contract: noteService, load: async () => noteImpl },
  { contract: clockService, load: async () => clockImpl },
];

/** Mappings held in memory, counting lookups. */
export class MemoryMappings implements MappingSource {
  lookups = 0;
  constructor(readonly rows: OrganizationMapping[]) {}
  async bySlug(slug: string) {
    this.lookups++;
    return this.rows.find((row) => row.slug === slug) ?? null;
  }
  async byId(id: string) {
    this.lookups++;
    return this.rows.find((row) => row.organizationId === id) ?? null;
  }
  async single() {
    this.lookups++;
    return this.rows.length === 1 ? (this.rows[0] ?? null) : null;
  }
}

export const MAPPINGS: OrganizationMapping[] = [
  { organizationId: "org-us", slug: "acme", regionName: "us" },
  { organizationId: "org-eu", slug: "globex", regionName: "eu" },
];

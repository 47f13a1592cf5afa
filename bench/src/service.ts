// The procedure every benchmark runs: the same schemas and handler as a silo service and as a
// plain tRPC procedure, so the figures compare the machinery, not the work.
import { controlQuery, defineService, implementationsFor } from "@acme/rpc";
import { initTRPC } from "@trpc/server";
import { z } from "zod";

export const input = z.object({ id: z.number().int(), name: z.string().max(100) });
export const output = z.object({
  id: z.number(),
  name: z.string(),
  upper: z.string(),
  at: z.string(),
});

const handler = async ({ input: args }: { input: z.output<typeof input> }) => ({
  id: args.id,
  name: args.name,
  upper: args.name.toUpperCase(),
  at: "2026-01-01T00:00:00.000Z",
});

export const benchService = defineService({
  key: "bench",
  localMode: "CONTROL",
  methods: { echo: controlQuery({ input, output }) },
});
export const contracts = [benchService] as const;
export const benchImpl = implementationsFor<object>()(benchService, { echo: handler });
export const entries = [{ contract: benchService, load: async () => benchImpl }];

const t = initTRPC.create();
export const plainRouter = t.router({
  bench: t.router({ echo: t.procedure.input(input).output(output).query(handler) }),
});
export type PlainRouter = typeof plainRouter;

export const ARGS = { id: 42, name: "acme corporation" };

// The demo method's baselines, each serving organization.getOrgBySlug from the same database as
// the built silo, in its own process (server.ts `demo-trpc <url>` / `demo-bare <url>`):
// - demo-trpc: tRPC's standalone adapter mounting the organization service's own router (the
//   contract's input and output schemas, the same handler), the query over POST;
// - demo-bare: node:http running the same handler on the parsed body, nothing checked.
// Both open the database as the silo does (createDb, its default pool of 10).
import http from "node:http";
import { createDb } from "@acme/db";
import { serviceEntries } from "@acme/services";
import { initTRPC } from "@trpc/server";
import { createHTTPServer } from "@trpc/server/adapters/standalone";

export async function demoServer(
  kind: "demo-trpc" | "demo-bare",
  databaseUrl: string,
): Promise<{ server: http.Server; stop: () => Promise<void> }> {
  const db = await createDb(databaseUrl, { migrate: false });
  const entry = serviceEntries.find((candidate) => candidate.contract.key === "organization");
  if (entry === undefined) throw new Error("The organization service is not registered.");
  const organization = await entry.load();
  // getOrgBySlug reads only ctx.db; the rest of a ServiceContext (client, outbox) it never uses.
  const ctx = { db } as never;
  const stop = () => db.$disconnect();
  if (kind === "demo-trpc") {
    const t = initTRPC.create();
    return {
      server: createHTTPServer({
        router: t.router({ organization: organization.router }),
        createContext: () => ctx,
        allowMethodOverride: true,
      }),
      stop,
    };
  }
  const getOrgBySlug = organization.handlers?.getOrgBySlug;
  if (getOrgBySlug === undefined) throw new Error("organization.getOrgBySlug has no handler.");
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const { args } = JSON.parse(Buffer.concat(chunks).toString()) as { args: never };
      getOrgBySlug({ input: args, ctx, signal: undefined }).then(
        (value) => {
          const body = JSON.stringify({ value, meta: {} });
          res.writeHead(200, {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
          });
          res.end(body);
        },
        (error: unknown) => {
          res.writeHead(500).end(String(error));
        },
      );
    });
  });
  return { server, stop };
}

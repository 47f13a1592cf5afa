import { rpcSchema } from "@acme/services";
import type { Metadata } from "next";
import Link from "next/link";
import { ApiReference } from "@/components/api-reference.tsx";
import { viewerAuthentication, viewerDocument } from "@/server/api-document.ts";
import { loadAdminSettings } from "@/server/env.ts";

export const metadata: Metadata = { title: "API" };
// The silos' addresses come from this process's configuration, read when the page is asked for
// (one build serves both a MONOLITH and a CONTROL admin).
export const dynamic = "force-dynamic";

/** The OpenAPI document generated from the contracts, in a maintained viewer (Scalar). */
export default function ApiPage() {
  const document = rpcSchema();
  const { config } = loadAdminSettings();
  return (
    <>
      <h1>API reference</h1>
      <p className="lead">
        Every RPC method as OpenAPI {document.openapi}, generated from the contracts (the silos
        serve the same document at <code>/openapi.json</code>). Each operation's{" "}
        <code>x-silo-local-mode</code> and <code>x-rpc-resolver</code> say where it runs; to call
        one, open it from <Link href="/services">Services</Link>.{" "}
        <a href="/api/openapi.json">Raw JSON</a>
      </p>
      <p className="muted">
        The examples are sent to the silos, not to this app:{" "}
        {config.controlAddress === undefined
          ? "this admin runs every service in process and has no RPC endpoint, so they name a silo's address to fill in (npm run dev:silo listens on http://127.0.0.1:8000)."
          : "to the control silo for CONTROL services, and to a region's silo for REGION ones, at the addresses this admin is configured with."}{" "}
        The signature headers need the shared secret: see the wire protocol (
        <code>docs/wire-protocol.md</code>), or call a method from its page, which signs for you.
      </p>
      <div className="api-reference">
        <ApiReference
          document={`${JSON.stringify(viewerDocument(document, config), null, 2)}\n`}
          authentication={viewerAuthentication()}
        />
      </div>
    </>
  );
}

import { rpcSchema, rpcSchemaText } from "@acme/services";
import type { Metadata } from "next";
import Link from "next/link";
import { ApiReference } from "@/components/api-reference.tsx";

export const metadata: Metadata = { title: "API" };

/** The OpenAPI document generated from the contracts, in a maintained viewer (Scalar). */
export default function ApiPage() {
  const document = rpcSchema();
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
      <div className="api-reference">
        <ApiReference document={rpcSchemaText()} />
      </div>
    </>
  );
}

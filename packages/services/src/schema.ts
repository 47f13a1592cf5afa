// The OpenAPI document of every service, as the silos serve it at /openapi.json and as
// `npm run rpc:schema` writes it to rpc-schema/openapi.json (the deployed contract).
import { openApiDocument } from "@acme/rpc";
import { contracts } from "./contracts.ts";

export const rpcSchema = () =>
  openApiDocument(contracts, {
    title: "Silo RPC services",
    version: "1",
    description:
      "Every RPC method between the control silo and the region silos. Wire protocol, signatures and errors: docs/wire-protocol.md. Evolving methods safely: docs/evolving-rpc-methods.md.",
  });

/** The document as committed: two-space JSON with a final newline. */
export const rpcSchemaText = (): string => `${JSON.stringify(rpcSchema(), null, 2)}\n`;

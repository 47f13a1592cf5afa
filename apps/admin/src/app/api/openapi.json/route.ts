import { rpcSchema } from "@acme/services";

// The same document the silos serve at /openapi.json: it depends on the contracts only.
export const dynamic = "force-static";

export function GET(): Response {
  return Response.json(rpcSchema());
}

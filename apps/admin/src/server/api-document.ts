// The OpenAPI document as the /api viewer shows it: the contracts' document (the one the silos
// serve), plus what only this deployment knows: which address answers each method, and what
// each signature header holds, so the viewer's curl examples say where and what to send.
import type { OpenApiDocument, SiloConfig } from "@acme/rpc";

/** Where `npm run dev:silo` (and dev:multi's control silo) listens. */
export const DEFAULT_SILO_ADDRESS = "http://127.0.0.1:8000";

/**
 * What the viewer writes for each signature header instead of a value (Scalar's own default
 * is "YOUR_SECRET_TOKEN"): what the header holds, per docs/wire-protocol.md §3 and §5.
 */
export const SIGNATURE_PLACEHOLDERS = {
  rpcSignature:
    "Rpcsignature rpc1:<64 lowercase hex: HMAC-SHA256 of timestamp:nonce:path:body with the shared secret>",
  rpcTimestamp: "<unix time in seconds>",
  rpcNonce: "<16-64 random characters of A-Za-z0-9_- never reused>",
} as const;

interface Server {
  readonly url: string;
  readonly description: string;
  readonly variables?: Record<string, { default: string; description: string }>;
}

const trimmed = (address: string) => address.replace(/\/+$/, "");

/**
 * The silos that answer a method: the control silo for CONTROL services, every region with an
 * address for REGION ones (the resolver picks one per call). Without addresses (a MONOLITH admin
 * runs every service in process and serves no RPC endpoint), a silo's address to fill in.
 */
function serversFor(localMode: string, config: SiloConfig): Server[] {
  const configured: Server[] =
    localMode === "CONTROL"
      ? config.controlAddress === undefined
        ? []
        : [{ url: trimmed(config.controlAddress), description: "the control silo" }]
      : config.regions.flatMap((region) =>
          region.address === undefined
            ? []
            : [
                {
                  url: trimmed(region.address),
                  description: `region ${region.name} (the resolver picks the region per call)`,
                },
              ],
        );
  if (configured.length > 0) return configured;
  return [
    {
      url: "{silo}",
      description:
        "a silo that runs this service: this admin runs every service in process and has no RPC endpoint",
      variables: {
        silo: {
          default: DEFAULT_SILO_ADDRESS,
          description: `The silo's address: ${DEFAULT_SILO_ADDRESS} is npm run dev:silo's (and dev:multi's control silo).`,
        },
      },
    },
  ];
}

/** The document with each path's servers and the signature headers' placeholders. */
export function viewerDocument(document: OpenApiDocument, config: SiloConfig) {
  const paths = Object.fromEntries(
    Object.entries(document.paths).map(([path, item]) => [
      path,
      { servers: serversFor(item.post["x-silo-local-mode"], config), ...item },
    ]),
  );
  const schemes = document.components.securitySchemes;
  return {
    ...document,
    paths,
    components: {
      ...document.components,
      securitySchemes: {
        rpcSignature: {
          ...schemes.rpcSignature,
          "x-scalar-secret-token": SIGNATURE_PLACEHOLDERS.rpcSignature,
        },
        rpcTimestamp: {
          ...schemes.rpcTimestamp,
          "x-scalar-secret-token": SIGNATURE_PLACEHOLDERS.rpcTimestamp,
        },
        rpcNonce: { ...schemes.rpcNonce, "x-scalar-secret-token": SIGNATURE_PLACEHOLDERS.rpcNonce },
      },
    },
  };
}

/**
 * The same placeholders as the viewer's authentication settings: Scalar 0.8 fills code samples
 * from these (0.9 and later read the document's `x-scalar-secret-token`, kept above for them).
 */
export function viewerAuthentication() {
  return {
    securitySchemes: Object.fromEntries(
      Object.entries(SIGNATURE_PLACEHOLDERS).map(([name, value]) => [name, { value }]),
    ),
  };
}

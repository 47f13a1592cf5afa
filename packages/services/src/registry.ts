// How each service's implementation is loaded: lazily, and only where it runs.
import type { ServiceEntry } from "@acme/rpc";
import {
  controlInboxService,
  controlOutboxService,
  integrationService, // demo:line
  organizationMappingService,
  organizationService, // demo:line
  regionInboxService,
  regionOutboxService,
  userService, // demo:line
  // turbo gen rpc-service adds imports above this line.
} from "./contracts.ts";

export const serviceEntries: readonly ServiceEntry[] = [
  // demo:start
  {
    contract: organizationService,
    load: () => import("./organization/impl.ts").then((m) => m.organizationImpl),
  },
  { contract: userService, load: () => import("./user/impl.ts").then((m) => m.userImpl) },
  // demo:end
  {
    contract: organizationMappingService,
    load: () => import("./organization-mapping/impl.ts").then((m) => m.organizationMappingImpl),
  },
  {
    contract: controlInboxService,
    load: () => import("./outbox/impl.ts").then((m) => m.controlInboxImpl),
  },
  {
    contract: regionInboxService,
    load: () => import("./outbox/impl.ts").then((m) => m.regionInboxImpl),
  },
  {
    contract: controlOutboxService,
    load: () => import("./outbox/admin-impl.ts").then((m) => m.controlOutboxImpl),
  },
  {
    contract: regionOutboxService,
    load: () => import("./outbox/admin-impl.ts").then((m) => m.regionOutboxImpl),
  },
  // demo:start
  {
    contract: integrationService,
    load: () => import("./integration/impl.ts").then((m) => m.integrationImpl),
  },
  // demo:end
  // turbo gen rpc-service adds new services above this line.
];

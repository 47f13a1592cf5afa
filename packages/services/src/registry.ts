// How each service's implementation is loaded: lazily, and only where it runs.
import type { ServiceEntry } from "@acme/rpc";
import {
  integrationService,
  organizationMappingService,
  organizationService,
  userService,
} from "./contracts.ts";

export const serviceEntries: readonly ServiceEntry[] = [
  {
    contract: organizationService,
    load: () => import("./organization/impl.ts").then((m) => m.organizationImpl),
  },
  { contract: userService, load: () => import("./user/impl.ts").then((m) => m.userImpl) },
  {
    contract: organizationMappingService,
    load: () => import("./organization-mapping/impl.ts").then((m) => m.organizationMappingImpl),
  },
  {
    contract: integrationService,
    load: () => import("./integration/impl.ts").then((m) => m.integrationImpl),
  },
];

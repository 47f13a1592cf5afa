// Every service's contract. Importing this loads no implementation and no database code.
import type { RouterOf, SiloClient } from "@acme/rpc";
import { integrationService } from "./integration/contract.ts"; // demo:line
import { organizationService } from "./organization/contract.ts"; // demo:line
import { organizationMappingService } from "./organization-mapping/contract.ts";
import { controlOutboxService, regionOutboxService } from "./outbox/admin-contract.ts";
import { controlInboxService, regionInboxService } from "./outbox/contract.ts";
import { userService } from "./user/contract.ts"; // demo:line
// turbo gen rpc-service adds imports above this line.

export const contracts = [
  organizationService, // demo:line
  userService, // demo:line
  organizationMappingService,
  controlInboxService,
  regionInboxService,
  controlOutboxService,
  regionOutboxService,
  integrationService, // demo:line
  // turbo gen rpc-service adds new services above this line.
] as const;

/** The router type of the typed client, derived from the contracts. */
export type AppRouter = RouterOf<typeof contracts>;
export type AppClient = SiloClient<typeof contracts>;

export {
  controlInboxService,
  controlOutboxService,
  integrationService, // demo:line
  organizationMappingService,
  organizationService, // demo:line
  regionInboxService,
  regionOutboxService,
  userService, // demo:line
  // turbo gen rpc-service adds exports above this line.
};

// Every service's contract. Importing this loads no implementation and no database code.
import type { RouterOf, SiloClient } from "@acme/rpc";
import { integrationService } from "./integration/contract.ts";
import { organizationService } from "./organization/contract.ts";
import { organizationMappingService } from "./organization-mapping/contract.ts";
import { userService } from "./user/contract.ts";

export const contracts = [
  organizationService,
  userService,
  organizationMappingService,
  integrationService,
] as const;

/** The router type of the typed client, derived from the contracts. */
export type AppRouter = RouterOf<typeof contracts>;
export type AppClient = SiloClient<typeof contracts>;

export { integrationService, organizationMappingService, organizationService, userService };

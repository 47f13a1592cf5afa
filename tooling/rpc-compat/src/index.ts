export { type FindCallSitesOptions, findCallSites, workspaceTsconfigs } from "./call-sites.ts";
export {
  type AllowedChange,
  type CallSite,
  type CompatReport,
  checkCompatibility,
  type MethodRecord,
  mayCall,
  methodsOf,
  type RuleId,
  type Violation,
} from "./check.ts";
export { acceptsAll } from "./schema-subset.ts";

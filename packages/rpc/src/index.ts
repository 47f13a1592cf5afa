export { fetchRpcHandler } from "./adapters/fetch.ts";
export { nodeRpcHandler, requestHeaders } from "./adapters/node.ts";
export { type ContextSlot, contextSlot } from "./async-context.ts";
export {
  createSiloClient,
  createSiloTRPCClient,
  fanOut,
  type RegionResult,
  type SiloCallContext,
  type SiloClient,
  siloLink,
} from "./client.ts";
export {
  defaultReplayPrefix,
  EnvError,
  loadSiloConfig,
  type RegionConfig,
  type ReplayConfig,
  type ReplayUnavailablePolicy,
  type SiloConfig,
  siloConfig,
} from "./config.ts";
export {
  type AnyMethodContract,
  type AnyServiceContract,
  controlMutation,
  controlQuery,
  defineService,
  type MethodContract,
  type MethodKind,
  regionMutation,
  regionQuery,
  type ServiceContract,
} from "./contract.ts";
export {
  currentDeadline,
  type Deadline,
  LazyAbort,
  remainingMs,
  runWithDeadline,
  type SignalSource,
} from "./deadline.ts";
export {
  createRpcEndpoint,
  type EndpointRequest,
  type EndpointResponse,
  type RpcEndpoint,
  type RpcEndpointOptions,
} from "./endpoint.ts";
export {
  canonicalJson,
  checkIdempotencyKey,
  DEFAULT_IDEMPOTENCY_LEASE_MS,
  DEFAULT_IDEMPOTENCY_TTL_MS,
  IDEMPOTENCY_KEY_PATTERN,
  IDEMPOTENCY_LEASE_MARGIN_MS,
  type IdempotencyBegin,
  type IdempotencyRequest,
  type IdempotencyStore,
  type IdempotencyStoreOptions,
  idempotencyTimes,
  MemoryIdempotencyStore,
  newIdempotencyKey,
  requestHash,
} from "./idempotency.ts";
export { parseInput } from "./input.ts";
export { MappingCache, type MappingCacheOptions } from "./mapping-cache.ts";
export {
  EFFECTS_KEYWORD,
  type JsonSchema,
  type OpenApiDocument,
  type OpenApiOptions,
  openApiDocument,
  type RpcOperationExtensions,
} from "./openapi.ts";
export { ServiceDefinitionError, type ServiceEntry, ServiceRegistry } from "./registry.ts";
export {
  describeRedisUrl,
  openReplayStore,
  type ReplayClaim,
  type ReplayStoreCheck,
  type ReplayStoreEvents,
  type SharedReplayStore,
} from "./replay-store.ts";
export {
  byOrganizationId,
  byOrganizationIdAttribute,
  byOrganizationSlug,
  byRegionName,
  FORMER_RESOLVER_KINDS,
  type LookupOptions,
  type MappingSource,
  type OrganizationMapping,
  type Resolution,
  type Resolver,
  requireSingleOrganization,
} from "./resolvers.ts";
export {
  type CallEvent,
  type CallOptions,
  type Route,
  SiloRuntime,
  type SiloRuntimeOptions,
} from "./runtime.ts";
export { schemaExample } from "./schema-example.ts";
export {
  implementationsFor,
  type RouterOf,
  type ServiceHandlers,
  type ServiceImplementation,
  TRPCError,
} from "./service.ts";
export {
  BUDGET_HEADER,
  rpc0Signature,
  rpc1Signature,
  SignatureVerifier,
  signRequest,
} from "./signing.ts";
export { type ServiceMode, SiloMode } from "./silo-mode.ts";
export {
  type ErrorBody,
  InputValidationError,
  parseRpcPath,
  RPC_PATH_PREFIX,
  rpcPath,
  type ValidationIssue,
  validationIssues,
} from "./wire.ts";

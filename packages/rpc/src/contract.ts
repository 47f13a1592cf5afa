// Contracts: what a service is, importable by every silo without its implementation.
import type { z } from "zod";
import type { Resolver } from "./resolvers.ts";
import type { ServiceMode } from "./silo-mode.ts";

export type MethodKind = "query" | "mutation";

/** Parameters are named: every method's input is a Zod object. */
export type InputSchema = z.ZodObject;
export type OutputSchema = z.ZodType;

interface MethodOptions<I extends InputSchema, O extends OutputSchema> {
  input: I;
  output: O;
  description?: string;
  /** Overrides the process's RPC timeout for this method (RPC_METHOD_TIMEOUTS overrides both). */
  timeoutMs?: number;
  /**
   * Safe to run twice: a remote call is then retried when it surely did not run (connection
   * refused, 503). Queries are idempotent by definition; mutations are not, unless they say so.
   */
  idempotent?: boolean;
}

export interface RegionMethodOptions<I extends InputSchema, O extends OutputSchema>
  extends MethodOptions<I, O> {
  /** How to find the region that owns the data this call is about. */
  resolve: Resolver<z.output<I>>;
  /** With no organization mapping, return null without making any request (else NOT_FOUND). */
  returnNullIfMappingNotFound?: boolean;
}

export interface MethodContract<
  K extends MethodKind = MethodKind,
  I extends InputSchema = InputSchema,
  O extends OutputSchema = OutputSchema,
> extends MethodOptions<I, O> {
  readonly kind: K;
  readonly resolve?: Resolver<z.output<I>>;
  readonly returnNullIfMappingNotFound?: boolean;
}

export type AnyMethodContract = MethodContract<MethodKind, InputSchema, OutputSchema>;

/** A method of a CONTROL service: it always runs in the control silo. */
export const controlQuery = <I extends InputSchema, O extends OutputSchema>(
  options: MethodOptions<I, O>,
): MethodContract<"query", I, O> => ({ ...options, kind: "query" });
export const controlMutation = <I extends InputSchema, O extends OutputSchema>(
  options: MethodOptions<I, O>,
): MethodContract<"mutation", I, O> => ({ ...options, kind: "mutation" });

/** A method of a REGION service: its resolver names the region that runs it. */
export const regionQuery = <I extends InputSchema, O extends OutputSchema>(
  options: RegionMethodOptions<I, O>,
): MethodContract<"query", I, O> => ({ ...options, kind: "query" });
export const regionMutation = <I extends InputSchema, O extends OutputSchema>(
  options: RegionMethodOptions<I, O>,
): MethodContract<"mutation", I, O> => ({ ...options, kind: "mutation" });

export interface ServiceContract<
  Key extends string = string,
  Mode extends ServiceMode = ServiceMode,
  Methods extends Record<string, AnyMethodContract> = Record<string, AnyMethodContract>,
> {
  /** The service's name in URLs and in the client: `client.<key>.<method>`. */
  readonly key: Key;
  /** The silo whose process runs the implementation. */
  readonly localMode: Mode;
  readonly methods: Methods;
  readonly description?: string;
}

export type AnyServiceContract = ServiceContract<
  string,
  ServiceMode,
  Record<string, AnyMethodContract>
>;

/**
 * Declares a service. Its shape is checked when the service registry is created (and the types
 * catch most mistakes earlier): every method has an object input and an output, REGION methods
 * have a resolver, CONTROL methods have none.
 */
export function defineService<
  const Key extends string,
  const Mode extends ServiceMode,
  const Methods extends Record<string, AnyMethodContract>,
>(contract: {
  key: Key;
  localMode: Mode;
  methods: Methods;
  description?: string;
}): ServiceContract<Key, Mode, Methods> {
  return contract;
}

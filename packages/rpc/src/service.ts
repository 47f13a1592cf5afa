// Implementations and the registry of services a process knows.

import type {
  TRPCBuiltRouter,
  TRPCDefaultErrorShape,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
} from "@trpc/server";
import { type AnyRouter, initTRPC, TRPCError } from "@trpc/server";
import type { z } from "zod";
import type { AnyMethodContract, AnyServiceContract } from "./contract.ts";

type HandlerOptions<M extends AnyMethodContract, Ctx> = {
  readonly input: z.output<M["input"]>;
  readonly ctx: Ctx;
  readonly signal: AbortSignal | undefined;
};

/** One function per method of the contract, no more, no less, typed by its schemas. */
export type ServiceHandlers<S extends AnyServiceContract, Ctx> = {
  readonly [K in keyof S["methods"]]: (
    options: HandlerOptions<S["methods"][K], Ctx>,
  ) => Promise<z.input<S["methods"][K]["output"]>>;
};

/** A service's implementation: its contract and the tRPC router that runs it. */
export interface ServiceImplementation<S extends AnyServiceContract = AnyServiceContract> {
  readonly contract: S;
  readonly router: AnyRouter;
  /**
   * The router's resolvers, when built by `implement()`: the runtime calls them directly,
   * validating input and output with the contract's schemas, as the router does, without tRPC's
   * per-call middleware machinery (about 12% of a silo's CPU under load). A router built by
   * hand has none and runs through tRPC.
   */
  readonly handlers?: Readonly<
    Record<string, (options: HandlerOptions<AnyMethodContract, never>) => Promise<unknown>>
  >;
}

/**
 * Returns `implement(contract, handlers)` for services whose handlers receive a `Ctx`. The
 * implementation is a tRPC router: each method a procedure with the contract's input and output
 * schemas, so both are validated wherever it runs.
 */
export function implementationsFor<Ctx extends object>() {
  const t = initTRPC.context<Ctx>().create({ isServer: true });
  return function implement<S extends AnyServiceContract>(
    contract: S,
    handlers: ServiceHandlers<S, Ctx>,
  ): ServiceImplementation<S> {
    const procedures: Record<string, unknown> = {};
    for (const [name, method] of Object.entries(contract.methods)) {
      const handler = (handlers as Record<string, ServiceHandlers<S, Ctx>[keyof S["methods"]]>)[
        name
      ];
      if (typeof handler !== "function") {
        throw new Error(`Service "${contract.key}": the implementation has no method "${name}".`);
      }
      const procedure = t.procedure.input(method.input).output(method.output);
      const resolver = (options: {
        input: unknown;
        ctx: unknown;
        signal: AbortSignal | undefined;
      }) => handler(options as never);
      procedures[name] =
        method.kind === "query" ? procedure.query(resolver) : procedure.mutation(resolver);
    }
    for (const name of Object.keys(handlers)) {
      if (!Object.hasOwn(contract.methods, name)) {
        throw new Error(
          `Service "${contract.key}": "${name}" is implemented but not in the contract.`,
        );
      }
    }
    return {
      contract,
      router: t.router(procedures as never),
      handlers: handlers as unknown as ServiceImplementation["handlers"],
    };
  };
}

type RootTypes = {
  ctx: object;
  meta: object;
  errorShape: TRPCDefaultErrorShape;
  transformer: false;
};

type ProcedureOf<M extends AnyMethodContract> = M["kind"] extends "query"
  ? TRPCQueryProcedure<{ input: z.input<M["input"]>; output: z.output<M["output"]>; meta: object }>
  : TRPCMutationProcedure<{
      input: z.input<M["input"]>;
      output: z.output<M["output"]>;
      meta: object;
    }>;

/**
 * The router type the typed client is built on, derived from the contracts alone: callers never
 * import an implementation, and no shape is written twice.
 */
export type RouterOf<C extends readonly AnyServiceContract[]> = TRPCBuiltRouter<
  RootTypes,
  {
    [S in C[number] as S["key"]]: {
      [M in keyof S["methods"] & string]: ProcedureOf<S["methods"][M]>;
    };
  }
>;

export { TRPCError };

// What a call made from the admin returns to the browser: plain JSON, shared by the server
// actions and the client components that show it.
import type { CallEvent, ValidationIssue } from "@acme/rpc";
import type { WireRequest } from "@/server/silo.ts";

export interface CallError {
  readonly code: string;
  readonly message: string;
  readonly issues?: readonly ValidationIssue[];
}

/** What the method page's Call gets back: a call's result, or why no call was made. */
export type CallAttempt = CallResult | { readonly inputError: string };

export type CallOutcome = { readonly value: unknown } | { readonly error: CallError };

export interface CallResult {
  readonly path: string;
  readonly outcome: CallOutcome;
  /** The call's own event: where it was routed and how long the runtime took. Null when the runtime made none (invalid input). */
  readonly event: CallEvent | null;
  /** Every call made while answering it, the nested ones first (a mutation may call others). */
  readonly events: readonly CallEvent[];
  /** The requests sent over the wire (remote calls only), signatures redacted. */
  readonly requests: readonly WireRequest[];
  /** Wall-clock time of the whole server action's call, in milliseconds. */
  readonly latencyMs: number;
}

// Calls methods through the silo runtime, the same way any app does, and reports how it went.
import { TRPCError, validationIssues } from "@acme/rpc";
import type { z } from "zod";
import type { CallError, CallResult } from "@/lib/call-result.ts";
import { humanIssues } from "@/lib/issue-text.ts";
import { type AdminSilo, getSilo, recordCalls } from "./silo.ts";

export function toCallError(error: unknown): CallError {
  if (error instanceof TRPCError) {
    const issues = validationIssues(error);
    return { code: error.code, message: error.message, ...(issues ? { issues } : {}) };
  }
  // The runtime only throws TRPCError; anything else is a bug here, logged and shown without detail.
  console.error(error);
  return { code: "INTERNAL_SERVER_ERROR", message: "Internal server error." };
}

/**
 * Runs one call (`path` is the method it calls, e.g. through the typed client) and reports its
 * outcome, its route, the requests it sent and its latency.
 */
export async function reportCall(
  path: string,
  work: (silo: AdminSilo) => Promise<unknown>,
): Promise<CallResult> {
  const silo = await getSilo();
  const started = performance.now();
  const result = await recordCalls(() => work(silo));
  const latencyMs = performance.now() - started;
  const { events, requests } = result.record;
  return {
    path,
    outcome: result.ok ? { value: result.value ?? null } : { error: toCallError(result.error) },
    // The outer call finishes last, after any call it made.
    event: events.findLast((event) => event.path === path) ?? null,
    events,
    requests,
    latencyMs,
  };
}

/** The result with its validation issues worded for a form, each once (lib/issue-text.ts). */
export function withWordedIssues(
  result: CallResult,
  schema: z.ZodType,
  input: unknown,
): CallResult {
  const { outcome } = result;
  if (!("error" in outcome) || outcome.error.issues === undefined) return result;
  const issues = humanIssues(schema, input, outcome.error.issues);
  return { ...result, outcome: { error: { ...outcome.error, issues } } };
}

/** `runtime.call(path, input)`: any method by name, as the method page calls it. */
export function callThroughRuntime(path: string, input: unknown): Promise<CallResult> {
  return reportCall(path, ({ runtime }) => runtime.call(path, input));
}

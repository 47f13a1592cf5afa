"use server";

import type { CallResult } from "@/lib/call-result.ts";
import { callThroughRuntime } from "@/server/call.ts";
import { methodDetails } from "@/server/catalog.ts";

/**
 * The "Call" button: parses the editor's JSON and calls the method through the silo runtime.
 * Anyone who can reach a server action can call it, so the method is checked against the
 * contracts here, not trusted from the page.
 */
export async function callMethod(
  serviceKey: string,
  methodName: string,
  inputJson: string,
): Promise<CallResult> {
  const path = `${serviceKey}.${methodName}`;
  const fail = (message: string): CallResult => ({
    path,
    outcome: { error: { code: "BAD_REQUEST", message } },
    event: null,
    events: [],
    requests: [],
    latencyMs: 0,
  });
  if (methodDetails(serviceKey, methodName) === undefined) return fail(`No RPC method ${path}.`);
  let input: unknown;
  try {
    input = JSON.parse(inputJson);
  } catch (error) {
    return fail(`The input is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return callThroughRuntime(path, input);
}

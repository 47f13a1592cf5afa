"use server";

import type { CallAttempt } from "@/lib/call-result.ts";
import { callThroughRuntime, withWordedIssues } from "@/server/call.ts";
import { methodContract } from "@/server/catalog.ts";

/**
 * The "Call" button: parses the editor's JSON and calls the method through the silo runtime.
 * Anyone who can reach a server action can call it, so the method is checked against the
 * contracts here, not trusted from the page. Input that is not JSON, or names no method, is an
 * input error: no call is made, so there is no call to report.
 */
export async function callMethod(
  serviceKey: string,
  methodName: string,
  inputJson: string,
): Promise<CallAttempt> {
  const path = `${serviceKey}.${methodName}`;
  const contract = methodContract(serviceKey, methodName);
  if (contract === undefined) return { inputError: `No RPC method ${path}.` };
  let input: unknown;
  try {
    input = JSON.parse(inputJson);
  } catch (error) {
    return { inputError: jsonError(error) };
  }
  return withWordedIssues(await callThroughRuntime(path, input), contract.input, input);
}

const jsonError = (error: unknown) =>
  `The input is not JSON: ${error instanceof Error ? error.message : String(error)}`;

// The wire format (docs/wire-protocol.md): paths, envelopes and errors.
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";

export const RPC_PATH_PREFIX = "/api/0/internal/rpc/";

export function rpcPath(serviceKey: string, methodName: string): string {
  return `${RPC_PATH_PREFIX}${serviceKey}/${methodName}/`;
}

/** `{service, method}` of an RPC path (with or without the trailing slash), or null. */
export function parseRpcPath(path: string): { service: string; method: string } | null {
  if (!path.startsWith(RPC_PATH_PREFIX)) return null;
  const match = /^([^/]+)\/([^/]+)\/?$/.exec(path.slice(RPC_PATH_PREFIX.length));
  return match === null ? null : { service: match[1] as string, method: match[2] as string };
}

export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

export interface ErrorBody {
  readonly error: {
    readonly code: TRPCError["code"];
    readonly message: string;
    readonly issues?: readonly ValidationIssue[];
  };
}

/** The cause of a BAD_REQUEST for invalid input: each issue with its parameter path. */
const INPUT_VALIDATION_ERROR = Symbol.for("@acme/rpc/InputValidationError");

export class InputValidationError extends Error {
  override readonly name = "InputValidationError";
  readonly [INPUT_VALIDATION_ERROR] = true;
  constructor(readonly issues: readonly ValidationIssue[]) {
    super(issues.map((issue) => `${issue.path || "(input)"}: ${issue.message}`).join("; "));
  }

  // A bundler may load this module twice in one process (Next builds each route on its own),
  // giving two classes: `instanceof` recognises an instance of either by its registered brand.
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && INPUT_VALIDATION_ERROR in value;
  }
}

/** The validation issues a BAD_REQUEST carries, if any. */
export function validationIssues(error: unknown): readonly ValidationIssue[] | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof InputValidationError ? cause.issues : undefined;
}

interface IssueLike {
  readonly path?: readonly PropertyKey[] | readonly { key: PropertyKey }[];
  readonly message: string;
}

export function toIssues(issues: readonly IssueLike[]): ValidationIssue[] {
  return issues.map((issue) => ({
    path: (issue.path ?? [])
      .map((segment) =>
        String(typeof segment === "object" && segment !== null ? segment.key : segment),
      )
      .join("."),
    message: issue.message,
  }));
}

export function invalidInput(where: string, issues: readonly IssueLike[]): TRPCError {
  const cause = new InputValidationError(toIssues(issues));
  return new TRPCError({
    code: "BAD_REQUEST",
    message: `Invalid input for ${where}: ${cause.message}`,
    cause,
  });
}

export const httpStatusOf = (error: TRPCError): number => getHTTPStatusCodeFromError(error);

/** The error body for a TRPCError: its code and message, and issues for invalid input. */
export function errorBody(error: TRPCError): ErrorBody {
  const issues = validationIssues(error);
  return { error: { code: error.code, message: error.message, ...(issues ? { issues } : {}) } };
}

/** Rebuilds the caller-side error from an error body. */
export function errorFromBody(body: ErrorBody): TRPCError {
  const { code, message, issues } = body.error;
  return new TRPCError({
    code,
    message,
    ...(issues ? { cause: new InputValidationError(issues) } : {}),
  });
}

export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== "object" || value === null || !("error" in value)) return false;
  const error = (value as { error: unknown }).error;
  return (
    typeof error === "object" &&
    error !== null &&
    Object.hasOwn(TRPC_ERROR_CODES_BY_KEY, String((error as { code?: unknown }).code)) &&
    typeof (error as { message?: unknown }).message === "string"
  );
}

"use client";

import { useId, useState, useTransition } from "react";
import { CallReport } from "@/components/call-report.tsx";
import type { CallResult } from "@/lib/call-result.ts";
import { callMethod } from "./actions.ts";
import { SchemaFields } from "./schema-fields.tsx";

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Why `text` is not JSON, or null when it is. */
function jsonProblem(text: string): string | null {
  try {
    JSON.parse(text);
    return null;
  } catch (error) {
    return `The input is not JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * The raw JSON editor and the "Call" button, with the call's result, route and latency. Input
 * that is not JSON is an input error, shown before any call is made. Each validation issue is
 * shown once: at its parameter's field, or (for a path no field shows) beside the editor.
 */
export function CallForm({
  service,
  method,
  example,
  inputSchema,
}: {
  service: string;
  method: string;
  example: string;
  /** The method's input JSON Schema: the form's fields. */
  inputSchema: Record<string, unknown>;
}) {
  const [input, setInput] = useState(example);
  const [result, setResult] = useState<CallResult | null>(null);
  const [inputError, setInputError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const editorId = useId();
  const issuesId = useId();
  const issues =
    result !== null && "error" in result.outcome ? (result.outcome.error.issues ?? []) : [];
  const parameters = Object.keys((inputSchema.properties ?? {}) as object);
  const fieldsShown = parseObject(input) !== null;
  // Issues about a parameter the form has a field for are shown there; the others, here.
  const editorIssues = issues.filter(
    (issue) => !fieldsShown || !parameters.includes(issue.path.split(".")[0] ?? ""),
  );
  const invalid = inputError !== null || issues.length > 0;

  const call = () => {
    const problem = jsonProblem(input);
    setInputError(problem);
    if (problem !== null) {
      setResult(null);
      return;
    }
    startTransition(async () => {
      const attempt = await callMethod(service, method, input);
      if ("inputError" in attempt) {
        setInputError(attempt.inputError);
        setResult(null);
      } else setResult(attempt);
    });
  };

  return (
    <section className="card call" aria-labelledby={`${editorId}-title`}>
      <h2 id={`${editorId}-title`}>Call</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          call();
        }}
      >
        <SchemaFields
          schema={inputSchema}
          value={parseObject(input)}
          issues={issues}
          onChange={(next) => setInput(JSON.stringify(next, null, 2))}
        />
        <div className="editor">
          <label htmlFor={editorId}>Input (JSON): the method's named parameters</label>
          <textarea
            id={editorId}
            name="input"
            value={input}
            spellCheck={false}
            rows={Math.min(16, Math.max(4, input.split("\n").length + 1))}
            aria-invalid={invalid}
            aria-describedby={invalid ? issuesId : undefined}
            onChange={(event) => {
              setInput(event.target.value);
              setInputError(null);
            }}
          />
          {inputError !== null && (
            <p id={issuesId} className="notice error" role="alert">
              {inputError}
            </p>
          )}
          {inputError === null && editorIssues.length > 0 && (
            <ul id={issuesId} className="issues" aria-label="Validation issues">
              {editorIssues.map((issue) => (
                <li key={`${issue.path}:${issue.message}`}>
                  <code>{issue.path || "(input)"}</code>: {issue.message}
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="actions">
          <button type="submit" disabled={pending}>
            {pending ? "Calling…" : "Call"}
          </button>
          <button type="button" className="secondary" onClick={() => setInput(example)}>
            Reset to example
          </button>
        </div>
      </form>
      {result !== null && <CallReport result={result} />}
    </section>
  );
}

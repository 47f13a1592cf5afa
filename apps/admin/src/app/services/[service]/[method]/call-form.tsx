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

/** The raw JSON editor and the "Call" button, with the call's result, route and latency. */
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
  const [pending, startTransition] = useTransition();
  const editorId = useId();
  const issuesId = useId();
  const issues =
    result !== null && "error" in result.outcome ? (result.outcome.error.issues ?? []) : [];

  const call = () =>
    startTransition(async () => {
      setResult(await callMethod(service, method, input));
    });

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
            aria-invalid={issues.length > 0}
            aria-describedby={issues.length > 0 ? issuesId : undefined}
            onChange={(event) => setInput(event.target.value)}
          />
          {issues.length > 0 && (
            <ul id={issuesId} className="issues" aria-label="Validation issues">
              {issues.map((issue) => (
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

"use client";

// A form generated from the method's input schema (its top-level named parameters), kept in sync
// with the raw JSON editor: editing a field rewrites the JSON, editing the JSON refills the fields.
// Parameters of a type a field cannot edit well (objects, arrays, unions) stay in the JSON editor.

import { typeText } from "@/components/schema-text.ts";

type Schema = Record<string, unknown>;
type Issue = { path: string; message: string };

function kindOf(schema: Schema): "enum" | "string" | "number" | "integer" | "boolean" | "json" {
  if (Array.isArray(schema.enum)) return "enum";
  if (
    schema.type === "string" ||
    schema.type === "number" ||
    schema.type === "integer" ||
    schema.type === "boolean"
  ) {
    return schema.type;
  }
  return "json";
}

export function SchemaFields({
  schema,
  value,
  issues,
  onChange,
}: {
  schema: Schema;
  /** The current input, or null while the JSON editor holds something that is not an object. */
  value: Record<string, unknown> | null;
  issues: readonly Issue[];
  onChange: (next: Record<string, unknown>) => void;
}) {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required ?? []) as string[]);
  const names = Object.keys(properties);
  if (names.length === 0) return <p className="muted">This method takes no parameters.</p>;
  if (value === null)
    return <p className="muted">Fix the JSON below to edit the parameters here.</p>;
  const set = (name: string, next: unknown) => {
    const copy = { ...value };
    if (next === undefined) delete copy[name];
    else copy[name] = next;
    onChange(copy);
  };
  return (
    <fieldset className="schema-fields">
      <legend>Parameters</legend>
      {names.map((name) => {
        const field = properties[name] ?? {};
        const kind = kindOf(field);
        const current = value[name];
        const id = `param-${name}`;
        const fieldIssues = issues.filter(
          (issue) => issue.path === name || issue.path.startsWith(`${name}.`),
        );
        const label = (
          <label htmlFor={id}>
            {name}
            {required.has(name) ? " *" : ""}{" "}
            <span className="muted">{kind === "json" ? "(edit in JSON)" : typeText(field)}</span>
          </label>
        );
        let control: React.ReactNode;
        if (kind === "enum") {
          control = (
            <select
              id={id}
              value={current === undefined ? "" : String(current)}
              onChange={(e) => set(name, e.target.value === "" ? undefined : e.target.value)}
            >
              <option value="">(not set)</option>
              {(field.enum as unknown[]).map((option) => (
                <option key={String(option)} value={String(option)}>
                  {String(option)}
                </option>
              ))}
            </select>
          );
        } else if (kind === "boolean") {
          control = (
            <select
              id={id}
              value={current === undefined ? "" : String(current)}
              onChange={(e) =>
                set(name, e.target.value === "" ? undefined : e.target.value === "true")
              }
            >
              <option value="">(not set)</option>
              <option value="true">true</option>
              <option value="false">false</option>
            </select>
          );
        } else if (kind === "number" || kind === "integer") {
          control = (
            <input
              id={id}
              type="number"
              step={kind === "integer" ? 1 : "any"}
              value={typeof current === "number" ? current : ""}
              onChange={(e) =>
                set(name, e.target.value === "" ? undefined : Number(e.target.value))
              }
            />
          );
        } else if (kind === "string") {
          control = (
            <input
              id={id}
              value={typeof current === "string" ? current : ""}
              onChange={(e) => set(name, e.target.value)}
            />
          );
        } else {
          control = <code id={id}>{JSON.stringify(current ?? null)}</code>;
        }
        return (
          <div key={name} className="field" aria-invalid={fieldIssues.length > 0}>
            {label}
            {control}
            {fieldIssues.map((issue) => (
              <p key={`${issue.path}:${issue.message}`} className="field-issue" role="note">
                {issue.message}
              </p>
            ))}
          </div>
        );
      })}
    </fieldset>
  );
}

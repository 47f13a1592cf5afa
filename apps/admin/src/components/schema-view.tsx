// A JSON Schema (as Zod writes it for a method's input or output) as a person reads it: each
// field with its type, whether it is required, and its limits, nested fields indented. The raw
// schema stays one click away. Patterns that only restate a format (a UUID's, a date-time's) are
// left to the raw view.
import type { JsonSchema } from "@acme/rpc";
import { JsonBlock } from "./json-block.tsx";
import { alternatives, isRecord, limitsOf, typeText } from "./schema-text.ts";

export function SchemaView({ schema }: { schema: JsonSchema }) {
  const fields = fieldsOf(schema);
  return (
    <>
      {schema.type !== "object" && (
        <p className="schema-summary">
          <TypeText schema={schema} />
          <Limits schema={schema} />
        </p>
      )}
      {fields !== null && <FieldList schema={fields} />}
      <details className="raw-schema">
        <summary>JSON Schema</summary>
        <JsonBlock value={schema} />
      </details>
    </>
  );
}

/** The object whose fields are worth listing: the schema itself, an array's items, or the one
 *  non-null member of "X or null". */
function fieldsOf(schema: JsonSchema): JsonSchema | null {
  if (schema.type === "object" && isRecord(schema.properties)) return schema;
  if (schema.type === "array" && isRecord(schema.items)) return fieldsOf(schema.items);
  const members = alternatives(schema);
  if (members !== undefined) {
    const values = members.filter((member) => member.type !== "null");
    if (values.length === 1 && values[0] !== undefined) return fieldsOf(values[0]);
  }
  return null;
}

function FieldList({ schema }: { schema: JsonSchema }) {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const names = Object.keys(properties);
  if (names.length === 0) return <p className="muted">No fields.</p>;
  return (
    <ul className="schema-tree">
      {names.map((name) => {
        const field = properties[name] ?? {};
        const nested = fieldsOf(field);
        return (
          <li key={name}>
            <code className="field-name">{name}</code>{" "}
            {required.has(name) ? (
              <span className="badge required">required</span>
            ) : (
              <span className="muted">optional</span>
            )}{" "}
            <TypeText schema={field} />
            <Limits schema={field} />
            {typeof field.description === "string" && (
              <span className="field-description"> {field.description}</span>
            )}
            {nested !== null && <FieldList schema={nested} />}
          </li>
        );
      })}
    </ul>
  );
}

function TypeText({ schema }: { schema: JsonSchema }) {
  return <span className="field-type">{typeText(schema)}</span>;
}

function Limits({ schema }: { schema: JsonSchema }) {
  const limits = limitsOf(schema);
  if (limits.length === 0) return null;
  return <span className="field-limits"> · {limits.join(" · ")}</span>;
}

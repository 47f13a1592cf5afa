import { rpcSchema } from "@acme/services";
import type { Metadata } from "next";
import Link from "next/link";
import { JsonBlock } from "@/components/json-block.tsx";

export const metadata: Metadata = { title: "API" };

/**
 * The OpenAPI document, readable: operations grouped by tag with their routing extensions. A
 * stand-in until a maintained OpenAPI viewer is chosen.
 */
export default function ApiPage() {
  const document = rpcSchema();
  const operations = Object.entries(document.paths).map(([path, item]) => ({
    path,
    ...item.post,
  }));
  const tags = [...new Set(operations.flatMap((operation) => operation.tags))];
  return (
    <>
      <h1>{document.info.title}</h1>
      <p className="lead">
        OpenAPI {document.openapi}, version {document.info.version}. {document.info.description}
      </p>
      <p>
        <a href="/api/openapi.json">Raw JSON: /api/openapi.json</a>
      </p>
      {tags.map((tag) => (
        <section key={tag} className="card" aria-labelledby={`tag-${tag}`}>
          <h2 id={`tag-${tag}`}>
            <code>{tag}</code>
          </h2>
          {operations
            .filter((operation) => operation.tags.includes(tag))
            .map((operation) => (
              <details key={operation.operationId} className="operation">
                <summary>
                  <span className="badge">POST</span> <code>{operation.path}</code>{" "}
                  <span className={`badge kind-${operation["x-rpc-kind"]}`}>
                    {operation["x-rpc-kind"]}
                  </span>
                </summary>
                {operation.description && <p>{operation.description}</p>}
                <p>
                  <Link
                    href={`/services/${operation["x-rpc-service"]}/${operation["x-rpc-method"]}`}
                  >
                    Call {operation.operationId}
                  </Link>
                </p>
                <table className="table extensions">
                  <tbody>
                    {Object.entries(operation)
                      .filter(([key]) => key.startsWith("x-"))
                      .map(([key, value]) => (
                        <tr key={key}>
                          <th scope="row">
                            <code>{key}</code>
                          </th>
                          <td>
                            <code>{JSON.stringify(value)}</code>
                          </td>
                        </tr>
                      ))}
                  </tbody>
                </table>
                <h3>Request body</h3>
                <JsonBlock value={operation.requestBody.content["application/json"].schema} />
                <h3>200 response</h3>
                <JsonBlock value={operation.responses["200"].content["application/json"].schema} />
              </details>
            ))}
        </section>
      ))}
    </>
  );
}

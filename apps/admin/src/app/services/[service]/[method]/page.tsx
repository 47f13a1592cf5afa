import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { SchemaView } from "@/components/schema-view.tsx";
import { ResolverText } from "@/components/service-list.tsx";
import { exampleFor, methodDetails, serviceCatalog } from "@/server/catalog.ts";
import { CallForm } from "./call-form.tsx";

type Props = PageProps<"/services/[service]/[method]">;

// The pages are known at build time (the contracts); any other name is a 404.
export const dynamicParams = false;

export function generateStaticParams() {
  return serviceCatalog().flatMap((service) =>
    service.methods.map((method) => ({ service: service.key, method: method.name })),
  );
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { service, method } = await params;
  return { title: `${service}.${method}` };
}

export default async function MethodPage({ params }: Props) {
  const { service: serviceKey, method: methodName } = await params;
  const details = methodDetails(serviceKey, methodName);
  if (details === undefined) notFound();
  const { service, method, operation, input, output, wirePath } = details;
  const example = JSON.stringify(exampleFor(input), null, 2);
  return (
    <>
      <p className="breadcrumbs">
        <Link href="/services">Services</Link> / <code>{service.key}</code>
      </p>
      <h1>
        <code>{method.path}</code>
      </h1>
      {method.description && <p className="lead">{method.description}</p>}
      <dl className="facts">
        <dt>Kind</dt>
        <dd>
          <span className={`badge kind-${method.kind}`}>{method.kind}</span>
        </dd>
        <dt>Runs in</dt>
        <dd>
          <span className={`badge mode-${service.localMode.toLowerCase()}`}>
            {service.localMode}
          </span>
        </dd>
        <dt>Resolver</dt>
        <dd>{method.resolver ? <ResolverText resolver={method.resolver} /> : "none (CONTROL)"}</dd>
        <dt>Retried</dt>
        <dd>{operation["x-rpc-idempotent"] ? "yes (idempotent)" : "no"}</dd>
        {method.resolver && (
          // A CONTROL method is not routed, so it has no mapping to miss.
          <>
            <dt>No mapping</dt>
            <dd>
              {operation["x-rpc-return-null-if-mapping-not-found"]
                ? "returns null without a request"
                : "NOT_FOUND"}
            </dd>
          </>
        )}
        <dt>Called from</dt>
        <dd>
          {method.callers === null ? (
            <span className="muted">unknown: run npm run generate</span>
          ) : method.callers.length === 0 ? (
            "nowhere in the code (tests aside)"
          ) : (
            <ul className="callers">
              {method.callers.map((site) => (
                <li key={`${site.file}:${site.line}`}>
                  <code>
                    {site.file}:{site.line}
                  </code>
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Wire path</dt>
        <dd>
          <code>POST {wirePath}</code>
        </dd>
      </dl>

      <CallForm
        service={service.key}
        method={method.name}
        example={example}
        inputSchema={input as Record<string, unknown>}
      />

      <div className="columns">
        <section className="card" aria-labelledby="input-schema">
          <h2 id="input-schema">Input</h2>
          <SchemaView schema={input} />
        </section>
        <section className="card" aria-labelledby="output-schema">
          <h2 id="output-schema">Output</h2>
          <SchemaView schema={output} />
        </section>
      </div>
    </>
  );
}

"use client";

import Link from "next/link";
import { useId, useState } from "react";
import type { ServiceSummary } from "@/server/catalog.ts";

const matches = (query: string, ...texts: (string | undefined)[]) =>
  texts.some((text) => text?.toLowerCase().includes(query));

/** Every service and its methods, with a filter on service, method and description. */
export function ServiceList({ services }: { services: readonly ServiceSummary[] }) {
  const [query, setQuery] = useState("");
  const inputId = useId();
  const needle = query.trim().toLowerCase();
  const shown = services
    .map((service) => ({
      ...service,
      methods: matches(needle, service.key, service.localMode)
        ? service.methods
        : service.methods.filter((method) =>
            matches(needle, method.name, method.path, method.description, method.kind),
          ),
    }))
    .filter((service) => service.methods.length > 0);
  const count = shown.reduce((sum, service) => sum + service.methods.length, 0);
  return (
    <>
      <div className="filter">
        <label htmlFor={inputId}>Filter</label>
        <input
          id={inputId}
          type="search"
          placeholder="service, method or description"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
        <span className="muted" aria-live="polite">
          {count} method{count === 1 ? "" : "s"}
        </span>
      </div>
      {shown.length === 0 && <p className="muted">No method matches “{query}”.</p>}
      {shown.map((service) => (
        <section key={service.key} className="card" aria-labelledby={`service-${service.key}`}>
          <h2 id={`service-${service.key}`}>
            <code>{service.key}</code>{" "}
            <span className={`badge mode-${service.localMode.toLowerCase()}`}>
              {service.localMode}
            </span>
          </h2>
          {service.description && <p className="muted">{service.description}</p>}
          <table className="table methods">
            <thead>
              <tr>
                <th scope="col" className="col-method">
                  Method
                </th>
                <th scope="col" className="col-kind">
                  Kind
                </th>
                <th scope="col" className="col-resolver wide-only">
                  Resolver
                </th>
                <th scope="col" className="col-callers" aria-describedby="callers-explained">
                  <abbr title="Places in the code (tests aside) that call this method">
                    Callers
                  </abbr>
                </th>
                <th scope="col" className="wide-only">
                  Description
                </th>
              </tr>
            </thead>
            <tbody>
              {service.methods.map((method) => (
                <tr key={method.name}>
                  <td>
                    <Link href={`/services/${service.key}/${method.name}`}>
                      <code>{method.name}</code>
                    </Link>
                  </td>
                  <td>
                    <span className={`badge kind-${method.kind}`}>{method.kind}</span>
                  </td>
                  <td className="wide-only">
                    {method.resolver ? <ResolverText resolver={method.resolver} /> : "—"}
                  </td>
                  <td>
                    <CallerCount callers={method.callers} />
                  </td>
                  <td className="wide-only muted">{method.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </>
  );
}

export function ResolverText({
  resolver,
}: {
  resolver: NonNullable<ServiceSummary["methods"][number]["resolver"]>;
}) {
  return (
    <code>
      {resolver.kind}
      {resolver.param !== undefined && <wbr />}
      {resolver.param !== undefined && `(${resolver.param}`}
      {resolver.attribute !== undefined && `.${resolver.attribute}`}
      {resolver.param !== undefined && ")"}
    </code>
  );
}

/** How many places in the code call a method: none is worth seeing before changing it. */
export function CallerCount({
  callers,
}: {
  callers: ServiceSummary["methods"][number]["callers"];
}) {
  if (callers === null) return <span className="muted">unknown</span>;
  if (callers.length === 0) return <span className="muted">none</span>;
  return (
    <span title={callers.map((site) => `${site.file}:${site.line}`).join("\n")}>
      {callers.length}
    </span>
  );
}

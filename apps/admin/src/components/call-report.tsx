import type { CallEvent } from "@acme/rpc";
import type { CallResult } from "@/lib/call-result.ts";
import { JsonBlock } from "./json-block.tsx";

const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;

function RouteText({ event }: { event: CallEvent }) {
  const { route } = event;
  if (route.kind === "none")
    return <>no call made: no organization mapping, so the method returned null</>;
  if (route.kind === "local")
    return <>local, in this process{route.region !== undefined && <> (region {route.region})</>}</>;
  return (
    <>
      remote, to the {route.silo} silo at <code>{route.url}</code>
    </>
  );
}

/** The outcome of a call, how it was routed, and what went over the wire. */
export function CallReport({ result }: { result: CallResult }) {
  const { outcome, event, events, requests } = result;
  const nested = events.filter((candidate) => candidate !== event);
  return (
    <div className="report" aria-live="polite">
      <h3>
        {"value" in outcome ? (
          <span className="badge ok">OK</span>
        ) : (
          <span className="badge error">{outcome.error.code}</span>
        )}{" "}
        <code>{result.path}</code> in {ms(result.latencyMs)}
      </h3>
      {"error" in outcome && (
        <p className="error-message">
          {outcome.error.issues !== undefined && outcome.error.issues.length > 0
            ? // The issues are shown at the fields: the message would list them again.
              `The input is invalid: ${outcome.error.issues.length} issue${outcome.error.issues.length === 1 ? "" : "s"}, shown above.`
            : outcome.error.message}
        </p>
      )}
      {event !== null && (
        <dl className="facts">
          <dt>Route</dt>
          <dd data-testid="route">
            <RouteText event={event} />
          </dd>
          <dt>Region</dt>
          <dd>{event.route.region ?? "—"}</dd>
          <dt>Runtime</dt>
          <dd>
            {ms(event.durationMs)}, outcome <code>{event.outcome}</code>
          </dd>
        </dl>
      )}
      {"value" in outcome && <JsonBlock value={outcome.value} />}
      {nested.length > 0 && (
        <>
          <h4>Calls it made</h4>
          <ul className="events">
            {nested.map((candidate, index) => (
              // Events have no id; their order is their identity within one call.
              // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list, never reordered
              <li key={index}>
                <code>{candidate.path}</code>: <RouteText event={candidate} />,{" "}
                {ms(candidate.durationMs)}, <code>{candidate.outcome}</code>
              </li>
            ))}
          </ul>
        </>
      )}
      {requests.length > 0 ? (
        <>
          <h4>The request{requests.length === 1 ? "" : "s"} as sent on the wire</h4>
          {requests.map((request, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list, never reordered
            <figure key={index} className="wire-request">
              <figcaption className="muted">
                {event?.route.kind === "remote" && request.url === event.route.url
                  ? "the call itself"
                  : "made on the way (e.g. an organization mapping lookup to route the call)"}
              </figcaption>
              <pre className="json wire">
                {`${request.method} ${request.path} HTTP/1.1\nhost: ${new URL(request.url).host}\n`}
                {Object.entries(request.headers)
                  .map(([name, value]) => `${name}: ${value}`)
                  .join("\n")}
                {`\n\n${request.body}`}
              </pre>
            </figure>
          ))}
        </>
      ) : (
        event !== null && (
          <p className="muted">
            Nothing was sent over the wire:{" "}
            {event.route.kind === "local"
              ? "the call ran in this process."
              : "no request was needed."}
          </p>
        )
      )}
    </div>
  );
}

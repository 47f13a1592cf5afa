import type { OutboxBacklog } from "@acme/services";
import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import type { CallError } from "@/lib/call-result.ts";
import { formatDuration } from "@/lib/duration.ts";
import { toCallError } from "@/server/call.ts";
import { getSilo } from "@/server/silo.ts";
import { DeliverNowForm, type DeliverTarget } from "./deliver-now-form.tsx";

export const metadata: Metadata = { title: "Outboxes" };
// Each silo's outbox is read on every request.
export const dynamic = "force-dynamic";

/** How many waiting shards each outbox lists. */
const SHARDS = 20;

type Reading = { readonly backlog: OutboxBacklog } | { readonly error: CallError };

const read = (call: Promise<OutboxBacklog>): Promise<Reading> =>
  call.then(
    (backlog) => ({ backlog }),
    (error: unknown) => ({ error: toCallError(error) }),
  );

const plural = (count: number, one: string, many = `${one}s`) =>
  `${count} ${count === 1 ? one : many}`;

/**
 * What waits in each silo's outbox, read through `controlOutbox.backlog` and
 * `regionOutbox.backlog` like any caller would: in a MONOLITH in process, in a CONTROL admin over
 * the wire from each silo. A silo that does not answer shows its error; the others still show.
 */
export default async function OutboxesPage() {
  const { runtime, client } = await getSilo();
  const monolith = runtime.config.mode === "MONOLITH";
  const regionNames = runtime.regionNames;
  // A MONOLITH keeps one region outbox for every region: asked once.
  const asked = monolith ? regionNames.slice(0, 1) : regionNames;
  const [control, regions] = await Promise.all([
    read(client.controlOutbox.backlog.query({ shardLimit: SHARDS })),
    Promise.all(
      asked.map(async (regionName) => ({
        regionName,
        reading: await read(client.regionOutbox.backlog.query({ regionName, shardLimit: SHARDS })),
      })),
    ),
  ]);
  return (
    <>
      <h1>Outboxes</h1>
      <p className="lead">
        Messages a silo committed together with a change, on their way to another silo (
        <code>docs/outboxes.md</code>). Each is delivered right after its commit, and a sweep every
        second delivers what is left; a message waits here while the silo it is for does not take
        it, retried with a growing pause (at most 10 s). <strong>Deliver now</strong> skips that
        pause.{" "}
        {monolith
          ? "This admin is a MONOLITH: both outboxes are in its own database, and it drains them."
          : "Each silo's outbox is read from that silo, over the wire."}
      </p>
      <OutboxSection
        id="outbox-control"
        title="Control's outbox"
        about={
          <>
            From control to the regions, each message for one region (delivered to its{" "}
            <code>regionInbox.deliver</code>).
          </>
        }
        reading={control}
        target={{ outbox: "control" }}
        byRegion
      />
      {regions.map(({ regionName, reading }, index) => (
        <OutboxSection
          key={regionName}
          id={`outbox-region-${index}`}
          title={monolith ? "The regions' outbox" : `Region ${regionName}'s outbox`}
          about={
            monolith ? (
              <>
                From every region ({regionNames.join(", ")}) to control (delivered to{" "}
                <code>controlInbox.deliver</code>): a MONOLITH keeps one region outbox for all of
                them, and a message does not say which region wrote it.
              </>
            ) : (
              <>
                From {regionName} to control (delivered to <code>controlInbox.deliver</code>).
              </>
            )
          }
          reading={reading}
          target={{ outbox: "region", regionName }}
          byRegion={false}
        />
      ))}
      {regionNames.length === 0 && <p className="muted">No region is configured.</p>}
    </>
  );
}

function OutboxSection({
  id,
  title,
  about,
  reading,
  target,
  byRegion,
}: {
  id: string;
  title: string;
  about: ReactNode;
  reading: Reading;
  target: DeliverTarget;
  /** Control's outbox: its messages are each for a region. */
  byRegion: boolean;
}) {
  return (
    <section className="card outbox" aria-labelledby={id}>
      <div className="outbox-head">
        <div>
          <h2 id={id}>{title}</h2>
          <p className="muted">{about}</p>
        </div>
        <DeliverNowForm target={target} />
      </div>
      {"error" in reading ? (
        <div className="notice error" role="alert">
          <p>
            <strong>Could not read this outbox.</strong> {reading.error.code}:{" "}
            {reading.error.message}
          </p>
          <p>
            It is read from the silo that writes it: check on <Link href="/regions">Regions</Link>{" "}
            that it is up, then reload this page.
          </p>
        </div>
      ) : reading.backlog.categories.length === 0 && reading.backlog.shards.length === 0 ? (
        <p className="empty">Nothing waiting: every message written here has been delivered.</p>
      ) : (
        <Backlog backlog={reading.backlog} byRegion={byRegion} id={id} />
      )}
    </section>
  );
}

function Ago({ iso, seconds }: { iso: string; seconds: number }) {
  return (
    <time dateTime={iso} title={iso}>
      {formatDuration(seconds)} ago
    </time>
  );
}

/** When the drain tries again: "due now", or how long until then (by this server's clock). */
function NextAttempt({ iso, due }: { iso: string; due?: boolean }) {
  const seconds = (Date.parse(iso) - Date.now()) / 1000;
  return (
    <time dateTime={iso} title={iso}>
      {due === true || seconds <= 0 ? "due now" : `in ${formatDuration(Math.ceil(seconds))}`}
    </time>
  );
}

function Backlog({
  backlog,
  byRegion,
  id,
}: {
  backlog: OutboxBacklog;
  byRegion: boolean;
  id: string;
}) {
  const waiting = backlog.categories.reduce((sum, row) => sum + row.waiting, 0);
  const failing = backlog.categories.reduce((sum, row) => sum + row.failing, 0);
  const shown = backlog.shards.length;
  // A row's error takes the table's whole width, in a row of its own under it: long messages
  // (an address, a reason) read as text instead of a column one word wide on a phone.
  const categoryColumns = byRegion ? 6 : 5;
  const shardColumns = byRegion ? 6 : 5;
  return (
    <>
      <p className="outbox-totals">
        <span className="badge">{plural(waiting, "message")} waiting</span>
        <span className="badge">{plural(backlog.shardsWaiting, "shard")}</span>
        <span className={`badge ${failing > 0 ? "error" : "ok"}`}>{failing} failing</span>
      </p>
      <h3 id={`${id}-categories`}>By category</h3>
      <table className="table outbox-table" aria-labelledby={`${id}-categories`}>
        <thead>
          <tr>
            <th scope="col">Category</th>
            {byRegion && <th scope="col">Region</th>}
            <th scope="col">Waiting</th>
            <th scope="col" className="wide-only">
              Shards
            </th>
            <th scope="col">Failing</th>
            <th scope="col">Oldest</th>
          </tr>
        </thead>
        {backlog.categories.map((row) => (
          <tbody key={`${row.regionName ?? ""}\u0000${row.category}`}>
            <tr>
              <td>
                <code>{row.category}</code>
              </td>
              {byRegion && (
                <td>
                  <span className="badge">{row.regionName}</span>
                </td>
              )}
              <td>{row.waiting}</td>
              <td className="wide-only">{row.shards}</td>
              <td>{row.failing}</td>
              <td>
                <Ago iso={row.oldestCreatedAt} seconds={row.oldestAgeSeconds} />
              </td>
            </tr>
            {row.lastError !== null && (
              <tr className="outbox-error">
                <td colSpan={categoryColumns}>
                  Last error: <span className="error-message">{row.lastError.message}</span>{" "}
                  <span className="muted">
                    (shard <code>{`${row.lastError.shard.scope}:${row.lastError.shard.id}`}</code>,{" "}
                    {plural(row.lastError.attempts, "failed attempt")}, next{" "}
                    <NextAttempt iso={row.lastError.retryAt} />)
                  </span>
                </td>
              </tr>
            )}
          </tbody>
        ))}
      </table>
      <h3 id={`${id}-shards`}>
        Shards
        {shown < backlog.shardsWaiting ? `: the first ${shown} of ${backlog.shardsWaiting}` : ""}
      </h3>
      <p className="muted">
        In the order the drain takes them; each waits for its head, its oldest message.
      </p>
      <table className="table outbox-table" aria-labelledby={`${id}-shards`}>
        <thead>
          <tr>
            <th scope="col">Shard</th>
            {byRegion && <th scope="col">Region</th>}
            <th scope="col">Waiting</th>
            <th scope="col" className="wide-only">
              Head message
            </th>
            <th scope="col">Attempts</th>
            <th scope="col">Next attempt</th>
          </tr>
        </thead>
        {backlog.shards.map((row) => (
          <tbody key={`${row.regionName ?? ""}\u0000${row.shard.scope}\u0000${row.shard.id}`}>
            <tr>
              <td>
                <code>{`${row.shard.scope}:${row.shard.id}`}</code>
              </td>
              {byRegion && (
                <td>
                  <span className="badge">{row.regionName}</span>
                </td>
              )}
              <td>{row.waiting}</td>
              <td className="wide-only">
                <code>{row.head.category}</code>
                {row.head.object !== row.shard.id && (
                  <>
                    {" "}
                    about <code>{row.head.object}</code>
                  </>
                )}
                <br />
                <span className="muted">
                  message {row.head.messageId}, written{" "}
                  <time dateTime={row.head.createdAt} title={row.head.createdAt}>
                    {row.head.createdAt.replace("T", " ").replace(/\.\d+Z$/, " UTC")}
                  </time>
                </span>
              </td>
              <td>{row.head.attempts}</td>
              <td>
                <NextAttempt iso={row.head.scheduledFor} due={row.head.due} />
              </td>
            </tr>
            {row.head.lastError !== null && (
              <tr className="outbox-error">
                <td colSpan={shardColumns}>
                  Last error: <span className="error-message">{row.head.lastError}</span>
                </td>
              </tr>
            )}
          </tbody>
        ))}
      </table>
    </>
  );
}

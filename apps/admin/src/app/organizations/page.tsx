import { demoData } from "@acme/db"; // demo:line
import type { AppClient } from "@acme/services";
import type { Metadata } from "next";
import Link from "next/link";
import { toCallError } from "@/server/call.ts";
import { getSilo } from "@/server/silo.ts";
import { CreateOrganizationForm } from "./create-form.tsx"; // demo:line

export const metadata: Metadata = { title: "Organizations" };

const PAGE_SIZE = 25;
type SearchParams = Promise<Record<string, string | string[] | undefined>>;
const param = (value: string | string[] | undefined) =>
  (Array.isArray(value) ? value[0] : value)?.trim() || undefined;

/** This page's address with the given search, for links that keep it. */
function href(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams(
    Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined),
  ).toString();
  return search === "" ? "/organizations" : `/organizations?${search}`;
}

/**
 * The control silo's organization mappings, read through `organizationMapping.list` like any
 * caller would: in MONOLITH in process, in a CONTROL admin over the wire.
 */
export default async function OrganizationsPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const query = param(params.q);
  const region = param(params.region);
  const after = param(params.after);
  const { runtime, client } = await getSilo();
  const listing = await client.organizationMapping.list
    .query({ query, regionName: region, after, limit: PAGE_SIZE })
    .then(
      (page) => ({ page }),
      (error: unknown) => ({ error: toCallError(error) }),
    );
  const users = demoData.users.map(({ id, name, email }) => ({ id, name, email })); // demo:line
  const filtered = query !== undefined || region !== undefined;
  return (
    <>
      <h1>Organizations</h1>
      <p className="lead">
        The control silo's organization mappings: which region holds each organization. Calls about
        an organization are routed by them.
      </p>
      <search>
        <form className="filter search" action="/organizations">
          <label>
            Slug or name
            <input type="search" name="q" defaultValue={query} placeholder="e.g. acme" />
          </label>
          <label>
            Region
            <select name="region" defaultValue={region ?? ""}>
              <option value="">Every region</option>
              {runtime.regionNames.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Search</button>
          {filtered && <Link href="/organizations">Clear</Link>}
        </form>
      </search>
      {"error" in listing ? (
        <div className="notice error" role="alert">
          <p>
            <strong>Could not list the mappings.</strong> {listing.error.code}:{" "}
            {listing.error.message}
          </p>
          <p>
            They come from the control silo: check on <Link href="/regions">Regions</Link> that it
            is up, then reload this page.
          </p>
        </div>
      ) : (
        <MappingTable page={listing.page} query={query} region={region} after={after} />
      )}
      {/* demo:start */}
      <CreateOrganizationForm regions={runtime.regionNames} users={users} />
      {/* demo:end */}
    </>
  );
}

type MappingPage = Awaited<ReturnType<AppClient["organizationMapping"]["list"]["query"]>>;

function MappingTable({
  page,
  query,
  region,
  after,
}: {
  page: MappingPage;
  query: string | undefined;
  region: string | undefined;
  after: string | undefined;
}) {
  if (page.mappings.length === 0) {
    return (
      <p className="empty">
        {query !== undefined || region !== undefined
          ? "No organization matches this search. Try part of a slug or a name, or every region."
          : after !== undefined
            ? "No more organizations."
            : "No organizations yet: each is recorded here (organizationMapping.upsert) when it is created."}
      </p>
    );
  }
  return (
    <>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Slug</th>
            <th scope="col">Name</th>
            <th scope="col">Region</th>
            <th scope="col">Status</th>
            <th scope="col" className="wide-only">
              Organization id
            </th>
          </tr>
        </thead>
        <tbody>
          {page.mappings.map((mapping) => (
            <tr key={mapping.organizationId}>
              <td>
                <code>{mapping.slug}</code>
              </td>
              <td>{mapping.name}</td>
              <td>
                <span className="badge">{mapping.regionName}</span>
              </td>
              <td>{mapping.status}</td>
              <td className="wide-only">
                <code>{mapping.organizationId}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav className="pager" aria-label="Pages">
        {after !== undefined && <Link href={href({ q: query, region })}>First page</Link>}
        {page.nextCursor !== null && (
          <Link href={href({ q: query, region, after: page.nextCursor })}>Next page</Link>
        )}
      </nav>
    </>
  );
}

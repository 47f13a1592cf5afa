import { demoData } from "@acme/db";
import type { Metadata } from "next";
import Link from "next/link";
import { getSilo, listOrganizationMappings } from "@/server/silo.ts";
import { CreateOrganizationForm } from "./create-form.tsx";

export const metadata: Metadata = { title: "Organizations" };
// Reads the database on every request.
export const dynamic = "force-dynamic";

export default async function OrganizationsPage() {
  const [{ runtime }, mappings] = await Promise.all([getSilo(), listOrganizationMappings()]);
  const users = demoData.users.map(({ id, name, email }) => ({ id, name, email }));
  return (
    <>
      <h1>Organizations</h1>
      <p className="lead">
        The control silo's organization mappings: which region holds each organization. Calls about
        an organization are routed by them.
      </p>
      {mappings === null ? (
        <p className="notice">
          This admin is a client of the silos ({runtime.config.mode}) and has no control database;
          listing mappings needs an RPC method that does not exist yet. Look one up on{" "}
          <Link href="/services/organizationMapping/getBySlug">organizationMapping.getBySlug</Link>.
        </p>
      ) : (
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
            {mappings.map((mapping) => (
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
      )}
      <CreateOrganizationForm regions={runtime.regionNames} users={users} />
    </>
  );
}

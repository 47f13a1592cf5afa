"use client";

import { useActionState } from "react";
import { CallReport } from "@/components/call-report.tsx";
import { SLUG_PATTERN } from "@/lib/slug-pattern.ts";
import { type CreateOrganizationState, createOrganization } from "./actions.ts";

const initial: CreateOrganizationState = { create: null, lookup: null, values: {}, attempt: 0 };

export function CreateOrganizationForm({
  regions,
  users,
}: {
  regions: readonly string[];
  users: readonly { id: string; name: string; email: string }[];
}) {
  const [state, action, pending] = useActionState(createOrganization, initial);
  const { values } = state;
  const issues =
    state.create !== null && "error" in state.create.outcome
      ? (state.create.outcome.error.issues ?? [])
      : [];
  const issueFor = (field: string) => issues.find((issue) => issue.path === field)?.message;
  return (
    <section className="card" aria-labelledby="create-organization">
      <h2 id="create-organization">Create an organization</h2>
      {/* Drawn afresh after each attempt, from what the action gave back (see `values`). */}
      <form key={state.attempt} action={action} className="form-grid">
        <label>
          Region
          <select name="regionName" required defaultValue={values.regionName ?? regions[0]}>
            {regions.map((region) => (
              <option key={region} value={region}>
                {region}
              </option>
            ))}
          </select>
          {issueFor("regionName") && <span className="issue">{issueFor("regionName")}</span>}
        </label>
        <label>
          Slug
          <input
            name="slug"
            required
            placeholder="e.g. hooli"
            pattern={SLUG_PATTERN}
            maxLength={50}
            title="Lowercase letters, digits and inner dashes"
            defaultValue={values.slug}
          />
          {issueFor("slug") && <span className="issue">{issueFor("slug")}</span>}
        </label>
        <label>
          Name
          <input
            name="name"
            required
            placeholder="e.g. Hooli"
            maxLength={100}
            defaultValue={values.name}
          />
          {issueFor("name") && <span className="issue">{issueFor("name")}</span>}
        </label>
        <label className="wide">
          Owner
          <select name="ownerUserId" required defaultValue={values.ownerUserId}>
            {users.map((user) => (
              <option key={user.id} value={user.id}>
                {user.name} ({user.email})
              </option>
            ))}
          </select>
          {issueFor("ownerUserId") && <span className="issue">{issueFor("ownerUserId")}</span>}
        </label>
        <div className="actions">
          <button type="submit" disabled={pending}>
            {pending ? "Creating…" : "Create"}
          </button>
        </div>
      </form>
      {state.create !== null && (
        <>
          <h3>1. organization.createOrganization</h3>
          <CallReport result={state.create} />
        </>
      )}
      {state.lookup !== null && (
        <>
          <h3>2. Resolvable: organization.getOrgBySlug</h3>
          <CallReport result={state.lookup} />
        </>
      )}
    </section>
  );
}

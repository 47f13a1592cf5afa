"use server";

import { revalidatePath } from "next/cache";
import type { CallResult } from "@/lib/call-result.ts";
import { reportCall, withWordedIssues } from "@/server/call.ts";
import { methodContract } from "@/server/catalog.ts";

export interface CreateOrganizationState {
  /** The creation, then the lookup by slug that shows the new organization resolves. */
  readonly create: CallResult | null;
  readonly lookup: CallResult | null;
  /**
   * What the form shows next (React resets a form after its action runs): after a failure,
   * everything as typed; after a success, the region and owner, ready for the next one.
   */
  readonly values: Partial<Record<"regionName" | "slug" | "name" | "ownerUserId", string>>;
  /** Counts submissions: the form is drawn afresh from `values` after each. */
  readonly attempt: number;
}

const text = (form: FormData, name: string) => String(form.get(name) ?? "").trim();

/**
 * Creates an organization in the chosen region through the typed client, then reads it back by
 * slug (resolved through the new organization mapping). The contract's schemas validate the
 * fields wherever the method runs.
 */
export async function createOrganization(
  previous: CreateOrganizationState,
  form: FormData,
): Promise<CreateOrganizationState> {
  const input = {
    regionName: text(form, "regionName"),
    slug: text(form, "slug"),
    name: text(form, "name"),
    ownerUserId: text(form, "ownerUserId"),
  };
  const schema = methodContract("organization", "createOrganization")?.input;
  const called = await reportCall("organization.createOrganization", ({ client }) =>
    client.organization.createOrganization.mutate(input),
  );
  const create = schema === undefined ? called : withWordedIssues(called, schema, input);
  const attempt = previous.attempt + 1;
  if ("error" in create.outcome) return { create, lookup: null, values: input, attempt };
  revalidatePath("/organizations");
  const lookup = await reportCall("organization.getOrgBySlug", ({ client }) =>
    client.organization.getOrgBySlug.query({ slug: input.slug }),
  );
  const { regionName, ownerUserId } = input;
  return { create, lookup, values: { regionName, ownerUserId }, attempt };
}

"use server";

import { revalidatePath } from "next/cache";
import type { CallResult } from "@/lib/call-result.ts";
import { reportCall } from "@/server/call.ts";

export interface CreateOrganizationState {
  /** The creation, then the lookup by slug that shows the new organization resolves. */
  readonly create: CallResult | null;
  readonly lookup: CallResult | null;
}

const text = (form: FormData, name: string) => String(form.get(name) ?? "").trim();

/**
 * Creates an organization in the chosen region through the typed client, then reads it back by
 * slug (resolved through the new organization mapping). The contract's schemas validate the
 * fields wherever the method runs.
 */
export async function createOrganization(
  _previous: CreateOrganizationState,
  form: FormData,
): Promise<CreateOrganizationState> {
  const input = {
    regionName: text(form, "regionName"),
    slug: text(form, "slug"),
    name: text(form, "name"),
    ownerUserId: text(form, "ownerUserId"),
  };
  const create = await reportCall("organization.createOrganization", ({ client }) =>
    client.organization.createOrganization.mutate(input),
  );
  if ("error" in create.outcome) return { create, lookup: null };
  revalidatePath("/organizations");
  const lookup = await reportCall("organization.getOrgBySlug", ({ client }) =>
    client.organization.getOrgBySlug.query({ slug: input.slug }),
  );
  return { create, lookup };
}

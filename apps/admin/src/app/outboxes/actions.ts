"use server";

import { revalidatePath } from "next/cache";
import type { CallResult } from "@/lib/call-result.ts";
import { reportCall } from "@/server/call.ts";

export interface DeliverNowState {
  /** The last "deliver now" call's report. */
  readonly result: CallResult | null;
  /** How many messages it delivered (null when it failed). */
  readonly delivered: number | null;
}

/**
 * "Deliver now" for one outbox: control's (`outbox=control`) or a region's (`outbox=region`,
 * `regionName`), through the typed client like any caller; the page is then read again.
 */
export async function deliverNow(
  _previous: DeliverNowState,
  form: FormData,
): Promise<DeliverNowState> {
  let delivered: number | null = null;
  const result =
    form.get("outbox") === "region"
      ? await reportCall("regionOutbox.deliverNow", async ({ client }) => {
          const value = await client.regionOutbox.deliverNow.mutate({
            regionName: String(form.get("regionName") ?? ""),
          });
          delivered = value.delivered;
          return value;
        })
      : await reportCall("controlOutbox.deliverNow", async ({ client }) => {
          const value = await client.controlOutbox.deliverNow.mutate({});
          delivered = value.delivered;
          return value;
        });
  revalidatePath("/outboxes");
  return { result, delivered };
}

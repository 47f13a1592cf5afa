"use client";

import { useActionState } from "react";
import { CallReport } from "@/components/call-report.tsx";
import { type DeliverNowState, deliverNow } from "./actions.ts";

const initial: DeliverNowState = { result: null, delivered: null };

/** What "deliver now" is for: control's outbox, or a region's (named for the call's routing). */
export type DeliverTarget =
  | { readonly outbox: "control" }
  | { readonly outbox: "region"; readonly regionName: string };

const plural = (count: number, one: string) => `${count} ${one}${count === 1 ? "" : "s"}`;

/**
 * The "Deliver now" button of one outbox and what its last press did; then, on a line of its
 * own in the section's heading row, the call's report.
 */
export function DeliverNowForm({ target }: { target: DeliverTarget }) {
  const [state, action, pending] = useActionState(deliverNow, initial);
  const outcome = state.result?.outcome;
  return (
    <>
      <div className="deliver-now">
        <form action={action}>
          <input type="hidden" name="outbox" value={target.outbox} />
          {target.outbox === "region" && (
            <input type="hidden" name="regionName" value={target.regionName} />
          )}
          <button type="submit" disabled={pending}>
            {pending ? "Delivering…" : "Deliver now"}
          </button>
        </form>
        {/* Always there, so a screen reader announces what each press did. */}
        <p className="deliver-result" role="status">
          {outcome === undefined ? null : "error" in outcome ? (
            <span className="error-message">
              Not delivered: {outcome.error.code}: {outcome.error.message}
            </span>
          ) : (
            `Delivered ${plural(state.delivered ?? 0, "message")}.`
          )}
        </p>
      </div>
      {/* The section's whole width: the route, the calls it made, the requests on the wire. */}
      {state.result !== null && (
        <details className="deliver-report">
          <summary>How the call went</summary>
          <CallReport result={state.result} />
        </details>
      )}
    </>
  );
}

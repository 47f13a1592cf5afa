"use client";

import Link from "next/link";

/**
 * An unexpected failure while rendering a page. Call errors are shown on the pages themselves;
 * this is for the rest (the database cannot be opened, the settings are wrong), whose details
 * are in the server's log, not here.
 */
export default function ErrorPage({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <div className="notice error" role="alert">
      <h1>This page failed to load</h1>
      <p>
        The server logged what went wrong
        {error.digest === undefined ? "" : ` (look for digest ${error.digest})`}. Fix it and try
        again, or go back to the <Link href="/services">services</Link>.
      </p>
      <p>
        <button type="button" onClick={reset}>
          Try again
        </button>
      </p>
    </div>
  );
}

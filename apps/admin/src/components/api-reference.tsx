"use client";

import type { ApiReferenceReact } from "@scalar/api-reference-react";
import dynamic from "next/dynamic";
import type { ComponentProps } from "react";
import "@scalar/api-reference-react/style.css";

type Configuration = ComponentProps<typeof ApiReferenceReact>["configuration"];

// Scalar renders in the browser only (it reads `window` as it loads).
const ScalarReference = dynamic(
  () => import("@scalar/api-reference-react").then((scalar) => scalar.ApiReferenceReact),
  {
    ssr: false,
    loading: () => (
      <div className="loading" role="status">
        <span className="spinner" aria-hidden="true" />
        Loading the API reference…
      </div>
    ),
  },
);

/**
 * The OpenAPI document (as JSON text) in Scalar's viewer, with everything that would reach outside this app
 * turned off: its telemetry, web fonts, AI agent and developer toolbar (the 0.8 line has no MCP
 * integration to turn off). Its request client is off too: a call needs an HMAC signature, which
 * the method pages make for you.
 */
export function ApiReference({
  document,
  authentication,
}: {
  document: string;
  /** What the code samples write for each signature header (what it holds, not a value). */
  authentication: Extract<
    NonNullable<Configuration>,
    { authentication?: unknown }
  >["authentication"];
}) {
  const configuration: Configuration = {
    content: document,
    authentication,
    telemetry: false,
    withDefaultFonts: false,
    agent: { disabled: true },
    showDeveloperTools: "never",
    hideClientButton: true,
    hideTestRequestButton: true,
    hideDarkModeToggle: true,
    forceDarkModeState: "light",
    documentDownloadType: "json",
    defaultOpenAllTags: false,
  };
  return <ScalarReference configuration={configuration} />;
}

"use client";

import { useEffect, useRef, useState } from "react";

/** The options of Scalar's viewer this app sets (its `createApiReference` configuration). */
interface ViewerConfiguration {
  readonly content: string;
  readonly authentication: { securitySchemes: Record<string, { value: string }> };
  readonly [option: string]: unknown;
}

interface Viewer {
  destroy(): void;
}

declare global {
  interface Window {
    Scalar?: { createApiReference(element: HTMLElement, configuration: object): Viewer };
  }
}

let loading: Promise<NonNullable<Window["Scalar"]>> | undefined;

/** Loads the viewer's script (served by ../app/api/viewer.js) once per page. */
function loadViewer(): Promise<NonNullable<Window["Scalar"]>> {
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = "/api/viewer.js";
    script.async = true;
    script.onload = () =>
      window.Scalar ? resolve(window.Scalar) : reject(new Error("the script defined no viewer"));
    script.onerror = () => reject(new Error("/api/viewer.js could not be loaded"));
    document.head.append(script);
  });
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/**
 * The OpenAPI document (as JSON text) in Scalar's viewer, with everything that would reach outside
 * this app turned off: its telemetry, web fonts, AI agent and developer toolbar. Its request client
 * is off too: a call needs an HMAC signature, which the method pages make for you.
 */
export function ApiReference({
  document: content,
  authentication,
}: {
  document: string;
  /** What the code samples write for each signature header (what it holds, not a value). */
  authentication: ViewerConfiguration["authentication"];
}) {
  const element = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<"loading" | "ready" | { error: string }>("loading");
  useEffect(() => {
    const configuration: ViewerConfiguration = {
      content,
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
    let viewer: Viewer | undefined;
    let unmounted = false;
    loadViewer().then(
      (scalar) => {
        if (unmounted || element.current === null) return;
        viewer = scalar.createApiReference(element.current, configuration);
        setState("ready");
      },
      (error: unknown) =>
        setState({ error: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      unmounted = true;
      viewer?.destroy();
    };
  }, [content, authentication]);
  return (
    <>
      {state === "loading" && (
        <div className="loading" role="status">
          <span className="spinner" aria-hidden="true" />
          Loading the API reference…
        </div>
      )}
      {typeof state === "object" && (
        <p className="notice error" role="alert">
          The API reference could not be shown: {state.error}. The raw document is at{" "}
          <a href="/api/openapi.json">/api/openapi.json</a>.
        </p>
      )}
      <div ref={element} />
    </>
  );
}

"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { authSettings, credentialsMatch } from "@/server/auth.ts";
import { SESSION_COOKIE, SESSION_TTL_MS, signSession } from "@/server/session.ts";

export interface LoginState {
  readonly error?: string;
  /** Given back so the form keeps it (React resets a form after its action runs). */
  readonly username?: string;
}

/** Only paths on this site: a `next` pointing elsewhere goes home. */
const safeNext = (next: FormDataEntryValue | null) =>
  typeof next === "string" && next.startsWith("/") && !next.startsWith("//") ? next : "/";

export async function login(_previous: LoginState, form: FormData): Promise<LoginState> {
  const settings = authSettings();
  if (!settings.required) redirect(safeNext(form.get("next")));
  const username = String(form.get("username") ?? "");
  const password = String(form.get("password") ?? "");
  if (!credentialsMatch(settings, username, password)) {
    return { error: "Wrong username or password.", username };
  }
  const store = await cookies();
  store.set(SESSION_COOKIE, await signSession(username, settings.secret), {
    httpOnly: true,
    sameSite: "lax",
    secure: process.env.NODE_ENV === "production" && process.env.ADMIN_INSECURE_COOKIE !== "true",
    path: "/",
    maxAge: SESSION_TTL_MS / 1000,
  });
  redirect(safeNext(form.get("next")));
}

export async function logout(): Promise<void> {
  (await cookies()).delete(SESSION_COOKIE);
  redirect("/login");
}

// Every request passes here first: without a valid session (when a login is required), pages
// redirect to /login and API routes answer 401.
import { type NextRequest, NextResponse } from "next/server";
import { authSettings } from "./server/auth.ts";
import { SESSION_COOKIE, verifySession } from "./server/session.ts";

export async function proxy(request: NextRequest): Promise<NextResponse> {
  const settings = authSettings();
  if (!settings.required) return NextResponse.next();
  const session = await verifySession(request.cookies.get(SESSION_COOKIE)?.value, settings.secret);
  if (session !== null) return NextResponse.next();
  const { pathname, search } = request.nextUrl;
  if (pathname.startsWith("/api/")) {
    return NextResponse.json(
      { error: { code: "UNAUTHORIZED", message: "Log in first." } },
      { status: 401 },
    );
  }
  const login = new URL("/login", request.url);
  login.searchParams.set("next", `${pathname}${search}`);
  return NextResponse.redirect(login);
}

export const config = {
  // Everything but the login page, the readiness probe, Next's own assets and the app's icons.
  matcher: ["/((?!login|healthz|_next/static|_next/image|favicon.ico|icon.svg).*)"],
};

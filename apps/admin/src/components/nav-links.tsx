"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { logout } from "@/app/login/actions.ts";

const LINKS = [
  { href: "/services", label: "Services" },
  { href: "/regions", label: "Regions" },
  { href: "/organizations", label: "Organizations" },
  { href: "/outboxes", label: "Outboxes" },
  { href: "/api", label: "API" },
] as const;

/** The main links, and "Log out" when this app asks for a login (`loginGate`). */
export function NavLinks({ loginGate }: { loginGate: boolean }) {
  const pathname = usePathname();
  // Nothing to navigate to before logging in (and no prefetching of pages that redirect here).
  if (pathname === "/login") return null;
  return (
    <>
      <nav aria-label="Main" className="nav">
        {LINKS.map(({ href, label }) => {
          const current =
            pathname === href ||
            pathname.startsWith(`${href}/`) ||
            (href === "/services" && pathname === "/");
          return (
            <Link key={href} href={href} aria-current={current ? "page" : undefined}>
              {label}
            </Link>
          );
        })}
      </nav>
      {loginGate && (
        <form action={logout} className="logout">
          <button type="submit" className="secondary">
            Log out
          </button>
        </form>
      )}
    </>
  );
}

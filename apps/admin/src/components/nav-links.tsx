"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const LINKS = [
  { href: "/services", label: "Services" },
  { href: "/regions", label: "Regions" },
  { href: "/organizations", label: "Organizations" },
  { href: "/api", label: "API" },
] as const;

export function NavLinks() {
  const pathname = usePathname();
  // Nothing to navigate to before logging in (and no prefetching of pages that redirect here).
  if (pathname === "/login") return null;
  return (
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
  );
}

import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { NavLinks } from "@/components/nav-links.tsx";
import { loginRequired } from "@/server/auth.ts";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Silo admin", template: "%s · Silo admin" },
  description: "Browse and call every RPC service of the silos, and see how each call is routed.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <Link href="/" className="brand">
            Silo admin
          </Link>
          <NavLinks loginGate={loginRequired()} />
        </header>
        <main className="content">{children}</main>
      </body>
    </html>
  );
}

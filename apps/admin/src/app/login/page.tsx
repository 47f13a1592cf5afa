import type { Metadata } from "next";
import { LoginForm } from "./login-form.tsx";

export const metadata: Metadata = { title: "Log in" };
export const dynamic = "force-dynamic";

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<{ next?: string }>;
}) {
  const { next } = await searchParams;
  return (
    <section className="login">
      <h1>Log in</h1>
      <p>
        The admin app calls any RPC method of the silos: it needs the credentials from its
        environment.
      </p>
      <LoginForm next={next ?? "/"} />
    </section>
  );
}

import Link from "next/link";

export default function NotFound() {
  return (
    <div className="empty">
      <h1>Not found</h1>
      <p>
        There is no such page, service or method. Every service and method is listed on{" "}
        <Link href="/services">Services</Link>.
      </p>
    </div>
  );
}

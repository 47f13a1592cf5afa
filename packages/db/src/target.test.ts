import path from "node:path";
import { describe, expect, it } from "vitest";
import { describeTarget, parseDatabaseUrl, redactDatabaseUrl } from "./target.ts";

describe("parseDatabaseUrl", () => {
  it("uses an in-memory PGlite database when there is no URL or memory://", () => {
    for (const url of [undefined, "", "  ", "memory://"]) {
      expect(parseDatabaseUrl(url)).toEqual({ engine: "pglite", dataDir: null });
    }
  });

  it("stores a PGlite database in a directory, relative paths taken from cwd", () => {
    expect(parseDatabaseUrl(".data/dev", "/srv/app")).toEqual({
      engine: "pglite",
      dataDir: path.resolve("/srv/app/.data/dev"),
    });
    expect(parseDatabaseUrl("/var/lib/silo", "/srv/app")).toEqual({
      engine: "pglite",
      dataDir: "/var/lib/silo",
    });
    expect(parseDatabaseUrl("file://data%20dir/us", "/srv")).toEqual({
      engine: "pglite",
      dataDir: "/srv/data dir/us",
    });
  });

  it("connects to PostgreSQL for postgres:// and postgresql:// URLs", () => {
    for (const url of ["postgres://u:p@db:5432/control", "postgresql://localhost/us"]) {
      expect(parseDatabaseUrl(url)).toEqual({ engine: "postgres", url });
    }
  });

  it("rejects other schemes with an error that names the scheme and the options", () => {
    expect(() => parseDatabaseUrl("mysql://root:hunter2@db/app")).toThrow(
      /Unsupported database URL scheme "mysql:" in mysql:\/\/root:\*\*\*@db\/app\. Use postgres:\/\//,
    );
  });

  it("rejects a malformed PostgreSQL URL without echoing its password", () => {
    let message = "";
    try {
      parseDatabaseUrl("postgres://user:s3cret@host:notaport/db");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("Invalid database URL");
    expect(message).not.toContain("s3cret");
  });
});

describe("redactDatabaseUrl / describeTarget", () => {
  it("hides passwords and keeps the rest", () => {
    expect(redactDatabaseUrl("postgres://app:secret@db:5432/us")).toBe(
      "postgres://app:***@db:5432/us",
    );
    expect(redactDatabaseUrl("postgres://app@db/us")).toBe("postgres://app@db/us");
    expect(describeTarget(parseDatabaseUrl("postgresql://a:b@h/d"))).toBe(
      "PostgreSQL postgresql://a:***@h/d",
    );
    expect(describeTarget(parseDatabaseUrl("memory://"))).toBe("PGlite (in memory)");
  });
});

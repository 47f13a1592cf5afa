// `npm install` on the oldest Node.js the repository supports prints no EBADENGINE warning: every
// package in package-lock.json accepts it. The admin's API viewer is the one that did not (Scalar
// from 0.9 declares node >= 22; README, "The API viewer").
import fs from "node:fs";
import path from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";

const root = path.join(import.meta.dirname, "../../..");
const json = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), "utf8"));

describe("the locked packages", () => {
  it("all accept the oldest Node.js of the root package.json's engines", () => {
    const range = (json("package.json") as { engines: { node: string } }).engines.node;
    const oldest = semver.minVersion(range)?.version;
    expect(oldest, `engines.node "${range}"`).toBeDefined();
    const { packages } = json("package-lock.json") as {
      packages: Record<string, { version?: string; engines?: unknown }>;
    };
    const refusing = Object.entries(packages).flatMap(([where, entry]) => {
      const node = (entry.engines as { node?: unknown } | undefined)?.node;
      return typeof node === "string" && !semver.satisfies(oldest ?? "", node)
        ? [`${where}@${entry.version} (node ${node})`]
        : [];
    });
    expect(refusing, `packages that refuse Node ${oldest}`).toEqual([]);
    // Not vacuous: the lockfile does record engines.
    expect(
      Object.values(packages).filter((entry) => entry.engines !== undefined).length,
    ).toBeGreaterThan(10);
  });
});

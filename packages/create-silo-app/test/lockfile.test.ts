import { describe, expect, it } from "vitest";
import { type Lockfile, pruneLockfile, stringifyLockfile } from "../src/lockfile.ts";

const lock = (packages: Lockfile["packages"]): Lockfile => ({
  name: "root",
  lockfileVersion: 3,
  requires: true,
  packages,
});

describe("pruning a lockfile", () => {
  const before = lock({
    "": { name: "root", workspaces: ["packages/*"], devDependencies: { tsx: "^4" } },
    "node_modules/create": { resolved: "packages/create", link: true },
    "node_modules/lib": { resolved: "packages/lib", link: true },
    "node_modules/tsx": { version: "4.0.0", dependencies: { esbuild: "^0.1" } },
    "node_modules/esbuild": {
      version: "0.1.0",
      optionalDependencies: { "@esbuild/linux": "0.1.0" },
    },
    "node_modules/@esbuild/linux": { version: "0.1.0", optional: true },
    "node_modules/only-create": { version: "1.0.0" },
    "node_modules/shared": { version: "1.0.0" },
    "packages/create": {
      version: "0.1.0",
      dependencies: { tsx: "^4", "only-create": "^1", shared: "^1" },
    },
    "packages/lib": { version: "0.1.0", devDependencies: { shared: "^1" } },
  });

  it("drops the workspace, its link and what only it needed, and recomputes dev flags", () => {
    const after = pruneLockfile(before, ["packages/create"]);
    expect(Object.keys(after.packages).sort()).toEqual(
      [
        "",
        "node_modules/@esbuild/linux",
        "node_modules/esbuild",
        "node_modules/lib",
        "node_modules/shared",
        "node_modules/tsx",
        "packages/lib",
      ].sort(),
    );
    // tsx and its dependencies were production dependencies of the dropped workspace: now dev only.
    expect(after.packages["node_modules/tsx"]).toMatchObject({ dev: true });
    expect(after.packages["node_modules/esbuild"]).toMatchObject({ dev: true });
    expect(after.packages["node_modules/@esbuild/linux"]).toMatchObject({
      dev: true,
      optional: true,
    });
    expect(after.packages["node_modules/shared"]).toMatchObject({ dev: true });
    expect(before.packages["node_modules/tsx"]).not.toHaveProperty("dev");
  });

  it("writes keys in npm's order: preferred keys, scalars before objects, then by name", () => {
    const text = stringifyLockfile(
      lock({
        "": { name: "root" },
        "node_modules/b": { version: "1", dependencies: { z: "1", a: "1" }, license: "MIT" },
      }),
    );
    expect(text).toBe(
      `${JSON.stringify(
        {
          name: "root",
          lockfileVersion: 3,
          requires: true,
          packages: {
            "": { name: "root" },
            "node_modules/b": { version: "1", license: "MIT", dependencies: { a: "1", z: "1" } },
          },
        },
        null,
        2,
      )}\n`,
    );
  });
});

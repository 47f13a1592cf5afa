// suiteResource gives back what a suite made, whatever happened to its beforeAll.
import { describe, expect, it } from "vitest";
import { suiteResource } from "./suite-resource.js";

/** Hooks that record the functions a suite registers, to run them by hand. */
function recordedHooks() {
  const hooks = {};
  return {
    hooks,
    register: {
      beforeAll: (hook) => {
        hooks.before = hook;
      },
      afterAll: (hook) => {
        hooks.after = hook;
      },
    },
  };
}

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("suiteResource", () => {
  it("makes the resource before the tests and gives it back after them", async () => {
    const disposed = [];
    const { hooks, register } = recordedHooks();
    const resource = suiteResource(
      async () => "db",
      async (v) => disposed.push(v),
      1000,
      register,
    );
    await hooks.before();
    expect(resource.get()).toBe("db");
    await hooks.after();
    expect(disposed).toEqual(["db"]);
  });

  it("adds no second error when making it failed, and says so in the tests", async () => {
    const disposed = [];
    const { hooks, register } = recordedHooks();
    const resource = suiteResource(
      async () => {
        throw new Error("no database");
      },
      async (v) => disposed.push(v),
      1000,
      register,
    );
    await expect(hooks.before()).rejects.toThrow("no database");
    await expect(hooks.after()).resolves.toBeUndefined();
    expect(disposed).toEqual([]);
    expect(() => resource.get()).toThrow("see the beforeAll error");
  });

  it("gives back what is made after beforeAll gave up (a timeout), as soon as it exists", async () => {
    const disposed = [];
    const making = deferred();
    const given = deferred();
    const { hooks, register } = recordedHooks();
    suiteResource(
      () => making.promise,
      async (v) => {
        disposed.push(v);
        given.resolve();
      },
      1000,
      register,
    );
    void hooks.before().catch(() => {}); // still waiting: the runner gave up on it
    await hooks.after(); // returns without waiting for the resource
    expect(disposed).toEqual([]);
    making.resolve("silos");
    await given.promise;
    expect(disposed).toEqual(["silos"]);
  });
});

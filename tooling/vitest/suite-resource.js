// Plain JavaScript for the same reason as base.js. Types are in suite-resource.d.ts.
import { afterAll, beforeAll } from "vitest";

/**
 * A resource a suite makes in `beforeAll` and gives back in `afterAll`, whatever happens:
 * - when `make` fails, `afterAll` has nothing to give back and adds no second error;
 * - when `beforeAll` times out while `make` still runs, what `make` ends up making (processes,
 *   databases) is given back as soon as it exists, instead of being left running;
 * - when `make` fails part-way, undoing its own partial work is `make`'s job (as Topology does).
 * `get()` returns the resource inside tests. (`hooks` is for this helper's own tests.)
 */
export function suiteResource(make, dispose, timeoutMs, hooks = { beforeAll, afterAll }) {
  let made;
  let value;
  let ready = false;
  hooks.beforeAll(async () => {
    made = make();
    value = await made;
    ready = true;
  }, timeoutMs);
  hooks.afterAll(async () => {
    if (made === undefined) return;
    if (ready) {
      await dispose(value);
      return;
    }
    // beforeAll gave up (or make failed): dispose of whatever make still makes, without waiting.
    made.then(dispose, () => {});
  }, timeoutMs);
  return {
    get() {
      if (!ready) throw new Error("The suite's resource was not made: see the beforeAll error.");
      return value;
    },
  };
}

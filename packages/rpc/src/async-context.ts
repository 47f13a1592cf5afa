// One AsyncLocalStorage for every value a call carries through its async work: its deadline
// (deadline.ts) and, in the silo server, the request's trace. On Node 20 each AsyncLocalStorage
// in use adds work to every promise and callback made (async_hooks hands each store to each new
// resource): the silo's two stores cost about 3 µs per request under load, so they share this one.
// It costs nothing until the first `run`: a process making in-process calls alone never enters it.
import { AsyncLocalStorage } from "node:async_hooks";

const storage = new AsyncLocalStorage<readonly unknown[]>();
let slots = 0;

/** A value carried through async work, beside the other slots' values. */
export interface ContextSlot<T> {
  /** Runs `fn` with this slot set to `value` (the other slots keep theirs). */
  run<R>(value: T, fn: () => R): R;
  /** This slot's value where the current code runs, if any. */
  get(): T | undefined;
}

/** A new slot of the shared async context. Make it once, at module load. */
export function contextSlot<T>(): ContextSlot<T> {
  const index = slots++;
  return {
    run(value, fn) {
      const next = storage.getStore()?.slice() ?? [];
      next[index] = value;
      return storage.run(next, fn);
    },
    get: () => storage.getStore()?.[index] as T | undefined,
  };
}

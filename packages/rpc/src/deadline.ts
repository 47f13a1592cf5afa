// Deadlines: one time budget per call, for everything the call waits on (its routing lookup,
// every attempt, the pauses between them) and for the calls its method makes in turn.
import { contextSlot } from "./async-context.ts";

/** When a call must be over, and the signal of whoever waits for it. */
export interface Deadline {
  /** `Date.now()` at which the budget is spent; `Infinity` when only `signal` bounds the call. */
  readonly at: number;
  /** Aborted when whoever waits gives up: the caller's signal, or the requesting client left. */
  readonly signal?: AbortSignal | undefined;
}

// Carried in the shared async context (async-context.ts): only code that runs under a deadline
// (a method served to another silo, a routing lookup) enters it.
const slot = contextSlot<Deadline>();

/** The deadline the current code runs under (a method serving a remote call), if any. */
export function currentDeadline(): Deadline | undefined {
  return slot.get();
}

/** Runs `fn` under `deadline`: the RPC calls it makes share that budget and that signal. */
export function runWithDeadline<T>(deadline: Deadline | undefined, fn: () => T): T {
  return deadline === undefined ? fn() : slot.run(deadline, fn);
}

/** Milliseconds left before the deadline, never negative (`Infinity` when it has none). */
export function remainingMs(deadline: Deadline, now: number = Date.now()): number {
  return Math.max(0, deadline.at - now);
}

/**
 * The deadline of a call that starts now with `timeoutMs` of its own: the earlier of its own
 * and the one it runs under, aborted by its caller's signal or by the one it runs under.
 */
export function startDeadline(
  timeoutMs: number,
  signal: AbortSignal | undefined,
  inherited: Deadline | undefined = currentDeadline(),
  now: number = Date.now(),
): Deadline {
  const own = now + timeoutMs;
  return {
    at: inherited === undefined ? own : Math.min(own, inherited.at),
    signal: eitherSignal(signal, inherited?.signal),
  };
}

/**
 * An abort signal made only when something reads it. The endpoint has one per request (the client
 * may leave, the budget may run out) and most methods never look at theirs, while an
 * AbortController was the costliest thing the endpoint made per request (about 4 µs of CPU each
 * on Node 20, 8% of the silo server's time under load). Aborted before anyone read it, the signal
 * is made already aborted, with that reason. `watch` runs when the signal is first made: what
 * must abort it from then on (the adapter listens for the client leaving only then).
 */
export class LazyAbort {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  readonly #watch: ((abort: (reason?: unknown) => void) => void) | undefined;

  constructor(watch?: (abort: (reason?: unknown) => void) => void) {
    this.#watch = watch;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
      else this.#watch?.((reason) => this.abort(reason));
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  abort(reason?: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/** A signal, or one made when read (LazyAbort). */
export type SignalSource = AbortSignal | LazyAbort;

/** The signal of a source (made now if it is lazy). */
export const signalOf = (source: SignalSource | undefined): AbortSignal | undefined =>
  source instanceof LazyAbort ? source.signal : source;

/** A deadline whose signal is made only when read. */
export class LazyDeadline implements Deadline {
  readonly at: number;
  readonly #source: SignalSource | undefined;
  constructor(at: number, source: SignalSource | undefined) {
    this.at = at;
    this.#source = source;
  }
  get signal(): AbortSignal | undefined {
    return signalOf(this.#source);
  }
}

/** A signal aborted when either is (the one given when the other is absent or the same). */
export function eitherSignal(
  a: AbortSignal | undefined,
  b: AbortSignal | undefined,
): AbortSignal | undefined {
  if (a === undefined || a === b) return b;
  if (b === undefined) return a;
  return AbortSignal.any([a, b]);
}

/** An AbortSignal for waiting on a deadline; `dispose()` when the wait is over. */
export interface DeadlineWatch {
  /** Aborted at the deadline or when the deadline's own signal aborts. */
  readonly signal: AbortSignal;
  /** Whether the deadline passed (as opposed to the waiter giving up). */
  expired(): boolean;
  dispose(): void;
}

/**
 * Watches a deadline with one timer (`setTimeout`, so fake clocks drive it in tests) and one
 * listener on the deadline's signal, for the whole call: every attempt and pause shares it.
 */
export function watchDeadline(deadline: Deadline, now: number = Date.now()): DeadlineWatch {
  const controller = new AbortController();
  let timedOut = false;
  const expire = () => {
    timedOut = true;
    controller.abort(new DOMException("The call's time budget is spent.", "TimeoutError"));
  };
  const left = deadline.at - now;
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (left <= 0) expire();
  else if (Number.isFinite(left)) timer = setTimeout(expire, left);
  const upstream = deadline.signal;
  const abort = () => controller.abort(upstream?.reason);
  if (upstream?.aborted) abort();
  else upstream?.addEventListener("abort", abort, { once: true });
  return {
    signal: controller.signal,
    // The clock as well as the timer: a deadline that passed while the caller's signal fired
    // first (both at the same instant) is still a timeout.
    expired: () => timedOut || (controller.signal.aborted && Date.now() >= deadline.at),
    dispose: () => {
      if (timer !== undefined) clearTimeout(timer);
      upstream?.removeEventListener("abort", abort);
    },
  };
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

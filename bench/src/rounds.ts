// Load rounds that alternate their targets (run.ts's endpoint rounds, the demo method's): each
// target's medians over its rounds, and one target's rate over another's, round by round.

export interface Round {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
  /** The server's CPU per request, µs. */
  readonly serverCpuUs: number;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** Medians over the rounds (errors and non-2xx answers summed), and each round's rate. */
export function summarize(runs: readonly Round[]) {
  return {
    rps: Math.round(median(runs.map((r) => r.rps))),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    serverCpuUs: median(runs.map((r) => r.serverCpuUs)),
    rounds: runs.map((r) => r.rps),
  };
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** `ours`' rate over `theirs`', round by round (the same round's): median, lowest, highest. */
export function ratioSpread(ours: readonly Round[], theirs: readonly Round[]): Spread {
  const each = ours.map((r, i) => r.rps / (theirs[i]?.rps ?? Number.NaN));
  const two = (n: number) => Math.round(n * 100) / 100;
  return { median: two(median(each)), min: two(Math.min(...each)), max: two(Math.max(...each)) };
}

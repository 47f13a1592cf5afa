// Runs request work one job per event-loop turn, so that a busy silo still accepts connections.
//
// Node accepts one connection per turn of its event loop (measured on Node 20: a listener whose
// turns are busy takes exactly one pending connection each). A turn in which every ready socket's
// request runs to completion (PGlite answers in the same turn) lasts as long as all of them
// together: after a restart, with callers' connections queued in the backlog, a silo served calls
// on the connections it had accepted while a /healthz on a new connection waited 7 s or more for
// its turn to be accepted. Deferring each request's work to its own turn (setImmediate) keeps
// turns short, so connections are accepted as fast as requests are served.
//
// A few jobs per turn, not one: each turn costs a poll of the sockets, and one request per turn
// made the endpoint spend about 60% more CPU per request (bench server, 32 connections: 80 µs
// against 50). Eight per turn cost about what the endpoint cost before the queue (within noise),
// and keep a turn to eight requests' work: a new connection waits for at most eight requests
// for each connection queued ahead of it, not for every ready one.
export const JOBS_PER_TURN = 8;

export class TurnQueue {
  readonly #jobs: (() => void)[] = [];
  readonly #perTurn: number;

  /** `perTurn`: jobs run in each turn (see JOBS_PER_TURN). */
  constructor(perTurn: number = JOBS_PER_TURN) {
    this.#perTurn = perTurn;
  }
  #head = 0;
  #scheduled = false;

  /** Runs `job` in a later turn, after the jobs queued before it, `perTurn` per turn. */
  run(job: () => void): void {
    this.#jobs.push(job);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#next);
    }
  }

  /** Jobs waiting for their turn. */
  get size(): number {
    return this.#jobs.length - this.#head;
  }

  readonly #next = (): void => {
    const batch: (() => void)[] = [];
    while (batch.length < this.#perTurn && this.size > 0) {
      batch.push(this.#jobs[this.#head] as () => void);
      this.#jobs[this.#head++] = undefined as never;
    }
    if (this.#head === this.#jobs.length) {
      this.#jobs.length = 0;
      this.#head = 0;
    }
    // The next batch's turn comes after this one's work and a poll of the sockets (accepts).
    if (this.size > 0) setImmediate(this.#next);
    else this.#scheduled = false;
    for (const job of batch) job();
  };
}

import { describe, expect, it } from "vitest";
import { TurnQueue } from "./turn-queue.ts";

/** Resolves after the current turn's check phase: the jobs of one more turn have run. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("TurnQueue", () => {
  it("runs perTurn jobs per event-loop turn, in order, never in the turn it was queued", async () => {
    const queue = new TurnQueue(1);
    const ran: number[] = [];
    for (const n of [1, 2, 3]) queue.run(() => ran.push(n));
    expect(ran).toEqual([]);
    expect(queue.size).toBe(3);
    await nextTurn();
    expect(ran).toEqual([1]);
    await nextTurn();
    expect(ran).toEqual([1, 2]);
    await nextTurn();
    expect(ran).toEqual([1, 2, 3]);
    expect(queue.size).toBe(0);
  });

  it("keeps going with jobs queued while it runs, and after it has emptied", async () => {
    const queue = new TurnQueue(1);
    const ran: string[] = [];
    queue.run(() => {
      ran.push("a");
      queue.run(() => ran.push("c"));
    });
    queue.run(() => ran.push("b"));
    for (let i = 0; i < 3; i++) await nextTurn();
    expect(ran).toEqual(["a", "b", "c"]);
    queue.run(() => ran.push("d"));
    await nextTurn();
    expect(ran).toEqual(["a", "b", "c", "d"]);
  });

  it("runs up to perTurn jobs in one turn", async () => {
    const queue = new TurnQueue(2);
    const ran: number[] = [];
    for (const n of [1, 2, 3, 4, 5]) queue.run(() => ran.push(n));
    await nextTurn();
    expect(ran).toEqual([1, 2]);
    await nextTurn();
    expect(ran).toEqual([1, 2, 3, 4]);
    await nextTurn();
    expect(ran).toEqual([1, 2, 3, 4, 5]);
    expect(queue.size).toBe(0);
  });
});

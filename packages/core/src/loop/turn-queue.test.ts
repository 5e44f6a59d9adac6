import { describe, expect, it } from "vitest";
import { TurnQueue } from "./turn-queue.js";

interface Entry {
  id: number;
}

const entries = (n: number): Entry[] => Array.from({ length: n }, (_, i) => ({ id: i + 1 }));

describe("TurnQueue", () => {
  it("visits the offered entries in id order, each once per pass", () => {
    const q = new TurnQueue<Entry>();
    const e = entries(5);
    for (const i of [4, 1, 3, 1, 0]) q.offer(e[i]);
    const seen: number[] = [];
    q.run(5, (x) => {
      seen.push(x.id);
      return false;
    });
    expect(seen).toEqual([1, 2, 4, 5]);
    expect(q.size).toBe(0);
  });

  it("keeps the entries a visit asks to keep for the next pass", () => {
    const q = new TurnQueue<Entry>();
    const e = entries(3);
    for (const x of e) q.offer(x);
    q.run(3, (x) => x.id !== 2);
    expect(q.size).toBe(2);
    const seen: number[] = [];
    q.run(3, (x) => {
      seen.push(x.id);
      return false;
    });
    expect(seen).toEqual([1, 3]);
  });

  it("lets an entry offered during a pass join it when its id is ahead and within the bound", () => {
    const q = new TurnQueue<Entry>();
    const e = entries(6);
    q.offer(e[1]);
    q.offer(e[4]);
    const seen: number[] = [];
    q.run(5, (x) => {
      seen.push(x.id);
      if (x.id === 2) {
        q.offer(e[3]); // 4: ahead, joins this pass before 5
        q.offer(e[4]); // 5: already in the pass, not twice
        q.offer(e[0]); // 1: already passed, next pass
        q.offer(e[1]); // 2: the one being visited, next pass
        q.offer(e[5]); // 6: beyond the bound (added during the pass), next pass
      }
      return false;
    });
    expect(seen).toEqual([2, 4, 5]);
    const next: number[] = [];
    q.run(6, (x) => {
      next.push(x.id);
      return false;
    });
    expect(next).toEqual([1, 2, 6]);
  });

  it("forgets a deleted entry for the next pass", () => {
    const q = new TurnQueue<Entry>();
    const e = entries(2);
    q.offer(e[0]);
    q.offer(e[1]);
    q.delete(e[0]);
    const seen: number[] = [];
    q.run(2, (x) => {
      seen.push(x.id);
      return false;
    });
    expect(seen).toEqual([2]);
  });

  it("keeps the entries not yet visited when a visit throws", () => {
    const q = new TurnQueue<Entry>();
    const e = entries(3);
    for (const x of e) q.offer(x);
    expect(() =>
      q.run(3, (x) => {
        if (x.id === 1) throw new Error("boom");
        return false;
      }),
    ).toThrow("boom");
    const seen: number[] = [];
    q.run(3, (x) => {
      seen.push(x.id);
      return false;
    });
    expect(seen).toEqual([2, 3]);
  });
});

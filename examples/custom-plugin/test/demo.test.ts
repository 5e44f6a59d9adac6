import { describe, expect, it } from "vitest";
import { runDemo } from "../src/demo.js";

const MiB = 1024 * 1024;

describe("the runnable demo (node dist/main.js)", () => {
  it("shows the resync, one change, malformed data dropped and the storm's last size", async () => {
    const lines: string[] = [];
    const summary = await runDemo((line) => lines.push(line));
    expect(summary.announced.slice(0, 2)).toEqual([768 * MiB, 512 * MiB]);
    expect(summary.announced.at(-1)).toBe(256 * MiB);
    expect(summary.droppedMalformed).toBe(4);
    expect(lines[0]).toMatch(/query-balloon says 1024 MiB/);
    expect(lines).toContain("vm1: balloon-change actual=768 MiB");
    expect(lines.at(-1)).toMatch(/^storm of 1000 BALLOON_CHANGE: \d+ coalesced/);
  });
});

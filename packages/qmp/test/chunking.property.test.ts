// RELIABILITY row 2: a recorded session re-chunked at random offsets gives the monitor the same
// message sequence (lines, replies, events), whatever the chunking — many messages in one
// chunk included (no cut at all).
import { fileURLToPath } from "node:url";
import { createDuplexPair, ManualEventLoop } from "@virtevent/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QmpMonitor } from "../src/index.js";
import {
  loadTranscript,
  type TranscriptEntry,
  transcriptServerText,
} from "../src/testing/index.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/qemu-7.2-session.jsonl", import.meta.url));

/** Feeds QEMU's side of `entries` to a fresh monitor in the given chunks; returns what it saw. */
async function play(
  entries: readonly TranscriptEntry[],
  chunks: readonly Buffer[],
): Promise<unknown[]> {
  const loop = new ManualEventLoop();
  const [ours, peer] = createDuplexPair();
  const seen: unknown[] = [];
  const monitor = new QmpMonitor(ours, {
    loop,
    trace: (t) => {
      if (t.dir === "rx") seen.push(["line", t.line]);
    },
    onEvent: (e) => seen.push(["event", e]),
  });
  // The client's side of the session: the same commands, in the same order, as recorded.
  const results = entries
    .map((e) => e.msg as { execute?: string; arguments?: Record<string, unknown> })
    .filter((m, i) => entries[i].dir === "tx" && m.execute && m.execute !== "qmp_capabilities")
    .map((m) =>
      monitor.execute(m.execute as string, m.arguments).then(
        (v) => ["return", v],
        (e: { errorClass?: string }) => ["error", e.errorClass],
      ),
    );
  for (const chunk of chunks) {
    peer.write(chunk);
    loop.runUntilIdle();
  }
  seen.push(["results", await Promise.all(results)]);
  seen.push(["counters", monitor.counters.messagesIn, monitor.counters.protocolErrors]);
  monitor.close();
  await loop.close();
  return seen;
}

describe("row 2: chunking does not change the parsed sequence", () => {
  const entries = loadTranscript(FIXTURE);
  const bytes = Buffer.from(transcriptServerText(entries));

  it("re-chunked at random offsets, the recorded QEMU 7.2 session parses the same", async () => {
    const reference = await play(entries, [bytes]);
    // Sanity: the reference run saw the whole session (no reply dropped, no garbage).
    expect(reference.at(-1)).toEqual(["counters", entries.filter((e) => e.dir === "rx").length, 0]);
    const [, results] = reference.at(-2) as [string, unknown[]];
    expect(results[0]).toEqual([
      "return",
      { status: "prelaunch", singlestep: false, running: false },
    ]);
    expect(results.at(-1)).toEqual(["error", "CommandNotFound"]);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 200 }),
        async (cuts) => {
          const offsets = [0, ...cuts.sort((a, b) => a - b), bytes.length];
          const chunks = offsets.slice(1).map((end, i) => bytes.subarray(offsets[i], end));
          expect(await play(entries, chunks)).toEqual(reference);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("byte by byte, the session parses the same", async () => {
    const reference = await play(entries, [bytes]);
    const single = [...bytes].map((b) => Buffer.from([b]));
    expect(await play(entries, single)).toEqual(reference);
  });
});

import { ManualEventLoop } from "@virtevent/core/testing";
import { describe, expect, it } from "vitest";
import { RECENT_IDS_REMEMBERED } from "../limits.js";
import { CommandTracker, type QmpCommandMessage } from "./command-tracker.js";
import { createCounters } from "./counters.js";

const OK = { ok: true, value: {} } as const;

function tracker() {
  const loop = new ManualEventLoop();
  const sent: QmpCommandMessage[] = [];
  const t = new CommandTracker({
    loop,
    counters: createCounters(),
    now: () => loop.now(),
    maxInFlight: 4,
    maxQueued: 16,
    idPrefix: "ve",
    send: (m) => sent.push(m),
  });
  t.start();
  return { loop, sent, t };
}

describe("CommandTracker: replies that match no command in flight", () => {
  it("tells duplicates of answered commands from unknown ids, however long ago", async () => {
    const { sent, t } = tracker();
    for (let i = 0; i < RECENT_IDS_REMEMBERED + 2; i++) {
      const done = t.submit("cmd", undefined, 1000, undefined);
      expect(t.onReply(sent[i].id, OK)).toBeUndefined();
      await done;
    }
    expect(sent[0].id).toBe("ve-1");
    expect(t.onReply("ve-1", OK)).toBe("duplicate-reply");
    expect(t.onReply(`ve-${RECENT_IDS_REMEMBERED + 2}`, OK)).toBe("duplicate-reply");
    for (const id of [`ve-${RECENT_IDS_REMEMBERED + 3}`, "ve-0", "ve-01", "ve-", "other-1", "ve"]) {
      expect(t.onReply(id, OK)).toBe("unknown-id");
    }
    expect(t.onReply(7, OK)).toBe("unknown-id");
  });

  it("counts the first reply to a timed-out command as late, the next ones as duplicates", async () => {
    const { loop, sent, t } = tracker();
    const pending = t.submit("slow", undefined, 10, undefined).catch((e: Error) => e.name);
    loop.advance(10);
    await expect(pending).resolves.toBe("QmpTimeoutError");
    expect(t.onReply(sent[0].id, OK)).toBe("late-reply");
    expect(t.onReply(sent[0].id, OK)).toBe("duplicate-reply");
  });
});

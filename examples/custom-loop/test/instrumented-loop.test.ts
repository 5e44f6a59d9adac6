import { type EventLoopImpl, NodeEventLoop } from "@virtevent/core";
import {
  describeEventLoopConformance,
  ManualEventLoop,
  manualLoopDriver,
} from "@virtevent/core/testing";
import { describe, expect, it } from "vitest";
import { runDemo } from "../src/demo.js";
import { runEchoSession } from "../src/echo-session.js";
import { InstrumentedLoop } from "../src/instrumented-loop.js";

describe("InstrumentedLoop", () => {
  describeEventLoopConformance(
    "instrumented(node)",
    () => new InstrumentedLoop(new NodeEventLoop()),
  );

  it("counts every dispatch of a real socket conversation", async () => {
    const loop = new InstrumentedLoop(new NodeEventLoop());
    const result = await runEchoSession(loop, 200);
    expect(result.echoed).toBe(200);
    expect(loop.dispatches.handles).toBeGreaterThanOrEqual(2);
    await loop.close();
  });

  it("reports a callback slower than the threshold, and only that one", () => {
    const inner = new ManualEventLoop();
    const reports: Array<{ kind: string; id: number }> = [];
    const loop = new InstrumentedLoop(inner, {
      slowThresholdMs: 20,
      onSlowCallback: (r) => reports.push({ kind: r.kind, id: r.id }),
    });
    loop.addTimeout(0, () => {});
    const slow = loop.addTimeout(0, () => {
      const until = performance.now() + 30;
      while (performance.now() < until) {
        // busy-wait: this callback is slow on purpose
      }
    });
    inner.runOnce();
    expect(loop.dispatches.timeouts).toBe(2);
    expect(reports).toEqual([{ kind: "timeout", id: slow }]);
  });

  it("forwards the inner loop's clock, and has none when the inner loop has none", async () => {
    const manual = new ManualEventLoop();
    manual.advance(250);
    expect(new InstrumentedLoop(manual).now?.()).toBe(manual.now());
    expect(new InstrumentedLoop(new InstrumentedLoop(manual)).now?.()).toBe(250);
    // A loop without the optional clock (the constructor reads only `name` and `now`).
    const clockless = { name: "clockless" } as unknown as EventLoopImpl;
    expect(new InstrumentedLoop(clockless).now).toBeUndefined();
    await manual.close();
  });

  it("runs the demo with the loop selected by name", async () => {
    const lines: string[] = [];
    await runDemo("instrumented", (l) => lines.push(l));
    const out = lines.join("\n");
    expect(out).toContain("selected: instrumented(node)");
    expect(out).toContain("echoed 1000/1000 lines");
    expect(out).toMatch(/swapping the loop after start is refused/);
  });
});

describe("InstrumentedLoop over ManualEventLoop", () => {
  describeEventLoopConformance(
    "instrumented(manual)",
    manualLoopDriver({ wrap: (inner) => new InstrumentedLoop(inner) }),
  );
});

describe("the example's entry point", () => {
  it("refuses an unknown implementation name, listing the known ones", async () => {
    await expect(runDemo("uvloop", () => {})).rejects.toThrow(
      "expected one of: node, manual, instrumented",
    );
  });
});

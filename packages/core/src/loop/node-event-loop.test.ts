import { describe, expect, it } from "vitest";
import { describeEventLoopConformance } from "../testing/loop-conformance.js";
import { NodeEventLoop } from "./node-event-loop.js";

describe("NodeEventLoop", () => {
  describeEventLoopConformance("node", () => new NodeEventLoop());

  it("has a monotonic millisecond clock that follows real time", async () => {
    const loop = new NodeEventLoop();
    const t0 = loop.now();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const t1 = loop.now();
    expect(t1 - t0).toBeGreaterThanOrEqual(15);
    expect(t1 - t0).toBeLessThan(5_000);
    expect(loop.now()).toBeGreaterThanOrEqual(t1);
    await loop.close();
  });
});

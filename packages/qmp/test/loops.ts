import { type EventLoopImpl, NodeEventLoop } from "@virtevent/core";
import { ManualEventLoop } from "@virtevent/core/testing";

/** Upper bound on real time one `run()` may take before the test fails. */
const RUN_LIMIT_MS = 10_000;

/** How a test runs the monitor on one loop implementation against real sockets. */
export interface LoopHarness {
  name: string;
  create(): EventLoopImpl;
  /** Resolves with `promise`, turning the loop meanwhile if it needs to be turned. */
  run<T>(loop: EventLoopImpl, promise: Promise<T>): Promise<T>;
}

/** NodeEventLoop runs by itself. */
export const nodeHarness: LoopHarness = {
  name: "node",
  create: () => new NodeEventLoop(),
  run: (_loop, promise) => promise,
};

/**
 * ManualEventLoop on real sockets: the test turns it while real I/O arrives, never moving
 * virtual time (so no command timeout can fire by accident).
 */
export const manualHarness: LoopHarness = {
  name: "manual",
  create: () => new ManualEventLoop(),
  async run(loop, promise) {
    const manual = loop as ManualEventLoop;
    let settled = false;
    const watched = promise.then(
      (v) => {
        settled = true;
        return v;
      },
      (e: unknown) => {
        settled = true;
        throw e;
      },
    );
    const deadline = Date.now() + RUN_LIMIT_MS;
    while (!settled) {
      if (Date.now() > deadline) throw new Error("manual loop: promise not settled in time");
      await new Promise<void>((resolve) => setTimeout(resolve, 1));
      manual.runUntilIdle();
    }
    return watched;
  },
};

/** Both loops shipped with core. */
export const harnesses: readonly LoopHarness[] = [nodeHarness, manualHarness];

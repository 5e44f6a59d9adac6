import { afterEach, describe } from "vitest";
import type { EventLoopImpl } from "../loop/event-loop-impl.js";
import { dispatchConformanceCases } from "./loop-conformance-dispatch.js";
import { handleConformanceCases } from "./loop-conformance-handles.js";
import { timerConformanceCases } from "./loop-conformance-timers.js";
import { type EventLoopDriver, manualLoopDriver, realTimeLoopDriver } from "./loop-driver.js";

export type { EventLoopDriver };
export { manualLoopDriver, realTimeLoopDriver };

/**
 * The event-loop conformance suite: every `EventLoopImpl` shipped with virtevent runs it, and a
 * third-party loop proves itself the same way. It covers the cases of libvirt's own event-loop
 * test plus the contract's extras (RELIABILITY.md row 15).
 *
 * Pass a factory for a loop that runs on real time by itself, or a driver
 * (`manualLoopDriver()`) for a loop the test must turn.
 *
 * @example
 * describeEventLoopConformance("instrumented", () => new InstrumentedLoop());
 */
export function describeEventLoopConformance(
  name: string,
  factoryOrDriver: (() => EventLoopImpl) | EventLoopDriver,
): void {
  const driver: EventLoopDriver =
    typeof factoryOrDriver === "function" ? realTimeLoopDriver(factoryOrDriver) : factoryOrDriver;

  describe(`EventLoopImpl conformance: ${name}`, () => {
    const loops: EventLoopImpl[] = [];
    const newLoop = () => {
      const loop = driver.create();
      loops.push(loop);
      return loop;
    };
    afterEach(async () => {
      for (const l of loops.splice(0)) await l.close();
      await driver.cleanup();
    });

    handleConformanceCases({ driver, newLoop });
    dispatchConformanceCases({ driver, newLoop });
    timerConformanceCases({ driver, newLoop });
  });
}

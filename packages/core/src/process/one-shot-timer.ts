import type { Logger } from "../common/logger.js";
import type { EventLoopImpl, TimerId } from "../loop/event-loop-impl.js";

/**
 * Arms a one-shot timeout on the daemon's loop (EventLoopImpl timeouts are periodic: this one
 * removes itself before running `cb`). Returns undefined, with a warning, once the loop is
 * closed, so that the caller can act without a deadline.
 * @internal
 */
export function addOneShotTimeout(
  loop: EventLoopImpl,
  logger: Logger,
  ms: number,
  cb: () => void,
): TimerId | undefined {
  try {
    const id: TimerId = loop.addTimeout(ms, () => {
      loop.removeTimeout(id);
      cb();
    });
    return id;
  } catch (error) {
    logger.warn({ err: error }, "worker pool cannot arm a timer: the event loop is closed");
    return undefined;
  }
}

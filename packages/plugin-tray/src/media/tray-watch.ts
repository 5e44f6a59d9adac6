import type { DomainEventState, EventLoopImpl, TimerId } from "@virtevent/core";
import { TrayChange, type TrayChangeData } from "../events/tray-events.js";

/**
 * Watches one drive's TRAY_CHANGE for one reason. It subscribes when created, so that it is
 * created before the command that moves the tray is sent and the event cannot be missed.
 * @internal
 */
export class TrayWatch {
  private seen = false;
  private wake: ((seen: boolean) => void) | undefined;

  constructor(
    private readonly events: DomainEventState,
    private readonly loop: EventLoopImpl,
    domainUuid: string,
    alias: string,
    reason: TrayChangeData["reason"],
  ) {
    events.registerAny({
      owner: this,
      event: TrayChange,
      domain: domainUuid,
      callback: (_domain, data) => {
        if (data.devAlias !== alias || data.reason !== reason) return;
        this.seen = true;
        this.wake?.(true);
      },
    });
  }

  /**
   * Resolves true once the event was delivered (also if it came before this call), false after
   * `timeoutMs` on the daemon's loop; rejects with the reason of `signal` when it aborts.
   */
  wait(timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    if (this.seen) return Promise.resolve(true);
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<boolean>((resolve, reject) => {
      let timer: TimerId | undefined;
      const finish = (): void => {
        this.wake = undefined;
        signal.removeEventListener("abort", onAbort);
        if (timer !== undefined) this.loop.removeTimeout(timer);
        timer = undefined;
      };
      const onAbort = (): void => {
        finish();
        reject(signal.reason);
      };
      this.wake = (seen) => {
        finish();
        resolve(seen);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      timer = this.loop.addTimeout(timeoutMs, () => this.wake?.(false));
    });
  }

  /** Stops watching. */
  dispose(): void {
    this.wake?.(false);
    // By owner: unlike deregisterAny, it does not throw once the daemon's events are disposed.
    this.events.deregisterOwner(this);
  }
}

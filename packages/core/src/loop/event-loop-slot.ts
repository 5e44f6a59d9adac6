import type { EventLoopImpl } from "./event-loop-impl.js";
import type { EventLoopRegistry } from "./event-loop-registry.js";
import { EventLoopLockedError } from "./loop-errors.js";

/** How a daemon names its loop: a registered name or a ready instance. */
export type EventLoopSpec = string | EventLoopImpl;

/**
 * Holds the loop a daemon runs on. It may be selected and re-selected until `lock()` (the
 * daemon's start); after that any change throws `EventLoopLockedError`
 * (RELIABILITY.md row 16): handles and timers registered on the old loop would be orphaned.
 */
export class EventLoopSlot {
  private impl: EventLoopImpl | undefined;
  private locked = false;

  constructor(private readonly registry: EventLoopRegistry) {}

  /** Selects the loop by registered name or instance. */
  select(spec: EventLoopSpec): EventLoopImpl {
    if (this.locked) throw new EventLoopLockedError(this.impl?.name ?? "?");
    this.impl = typeof spec === "string" ? this.registry.create(spec) : spec;
    return this.impl;
  }

  /** The selected loop; selects `fallback` (default "node") when none was chosen. */
  get(fallback: EventLoopSpec = "node"): EventLoopImpl {
    return this.impl ?? this.select(fallback);
  }

  /** Freezes the selection; later `select()` calls throw. */
  lock(): EventLoopImpl {
    const impl = this.get();
    this.locked = true;
    return impl;
  }

  get isLocked(): boolean {
    return this.locked;
  }
}

import {
  type DomainRegistry,
  type ProcessEventHandler,
  type StateStore,
  TOKENS,
  type WorkerContext,
} from "@virtevent/core";
import { inject, injectable } from "tsyringe";
import { TrayChange, type TrayMovedPayload } from "../events/tray-events.js";
import { readTrayPosition, TRAY_OPEN_FIELD, writeTrayPosition } from "../state/tray-state.js";

/**
 * Piece 3 of the plugin, the worker: runs in the domain's lane with the latest position of one
 * drive (the monitor callback coalesces per drive). It persists the position and emits
 * TRAY_CHANGE only when it differs from the one persisted, which is also the last one emitted:
 * an open/close pair coalesced into "close" while the tray was closed emits nothing.
 */
@injectable()
export class TrayMovedWorker implements ProcessEventHandler<TrayMovedPayload> {
  constructor(
    @inject(TOKENS.StateStore) private readonly store: StateStore,
    @inject(TOKENS.DomainRegistry) private readonly domains: DomainRegistry,
  ) {}

  async handle(payload: TrayMovedPayload, ctx: WorkerContext): Promise<void> {
    const { alias, open } = payload;
    const uuid = ctx.domain.uuid;
    // Set again here, after any resync that ran before us in the lane: a query-block reply
    // read just before this event would otherwise leave the older position in place.
    this.domains.updateDevice(uuid, alias, { [TRAY_OPEN_FIELD]: open });
    if (readTrayPosition(this.store, uuid, alias) === open) return;
    try {
      await writeTrayPosition(this.store, uuid, alias, open);
    } catch (err) {
      // The store already holds the position in memory; the move is real, so it is still
      // announced. The store logged the write failure.
      ctx.logger.warn({ err, alias }, "tray position not persisted");
    }
    if (!ctx.isCurrent()) return;
    ctx.emit(TrayChange, { devAlias: alias, reason: open ? "open" : "close" });
  }
}

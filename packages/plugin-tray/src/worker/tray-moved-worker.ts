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
 * drive (the monitor callback coalesces per drive). It records the position and emits
 * TRAY_CHANGE only when it differs from the recorded one, which is also the last one emitted:
 * an open/close pair coalesced into "close" while the tray was closed emits nothing.
 *
 * The move is announced as soon as the store holds it in memory, without waiting for the disk
 * write (the store serializes and batches a domain's writes). A daemon crash before the write
 * lands therefore repeats the move after the restart (the resync finds the old position on
 * disk) instead of losing it: TRAY_CHANGE is delivered at least once across a crash, and
 * exactly once across a clean stop.
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
    // Not awaited: the lane is not held for the disk. A failed write is logged (the store
    // logged it too; the job's logger is built only then); the position stays in memory and
    // the move is real, so it is announced.
    writeTrayPosition(this.store, uuid, alias, open).catch((err: unknown) => {
      ctx.logger.warn({ err, alias }, "tray position not persisted");
    });
    if (!ctx.isCurrent()) return;
    ctx.emit(TrayChange, { devAlias: alias, reason: open ? "open" : "close" });
  }
}

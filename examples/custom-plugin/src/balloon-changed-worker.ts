import {
  type ProcessEventHandler,
  type StateStore,
  TOKENS,
  type WorkerContext,
} from "@virtevent/core";
import { inject, injectable } from "tsyringe";
import { BalloonChange, type BalloonChangedPayload } from "./balloon-events.js";
import { readBalloonActual, writeBalloonActual } from "./balloon-state.js";

/**
 * Piece 3 of the plugin, the worker: runs in the domain's lane (FIFO per domain, parallel
 * across domains) with the latest size QEMU reported. It does the part that may be slow —
 * persisting — off the monitor reader's turn, and announces the size only when it differs
 * from the one announced last, so that a storm coalesced back to the same size emits nothing.
 *
 * Core resolves it from the plugin's container for every job; its constructor says exactly
 * which services it needs, by token.
 */
@injectable()
export class BalloonChangedWorker implements ProcessEventHandler<BalloonChangedPayload> {
  constructor(@inject(TOKENS.StateStore) private readonly store: StateStore) {}

  async handle(payload: BalloonChangedPayload, ctx: WorkerContext): Promise<void> {
    const uuid = ctx.domain.uuid;
    if (readBalloonActual(this.store, uuid) === payload.actual) return;
    try {
      await writeBalloonActual(this.store, uuid, payload.actual);
    } catch (err) {
      // The store keeps the value in memory even when the write fails, and the change is
      // real: announce it anyway (the store has logged the failure).
      ctx.logger.warn({ err }, "balloon size not persisted");
    }
    // After an await the domain may have stopped or restarted: this job's size belongs to
    // the incarnation it was submitted for and must not be announced for another one.
    if (!ctx.isCurrent()) return;
    ctx.emit(BalloonChange, { actual: payload.actual });
  }
}

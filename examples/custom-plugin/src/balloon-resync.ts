import { type StateStore, TOKENS, type WorkerContext } from "@virtevent/core";
import { isQmpError, type QmpCommandError } from "@virtevent/qmp";
import { inject, injectable } from "tsyringe";
import { BalloonChange, BalloonInfoSchema } from "./balloon-events.js";
import { readBalloonActual, writeBalloonActual } from "./balloon-state.js";

/** What one resync found. */
export type BalloonResyncResult =
  | { readonly kind: "no-balloon" }
  | { readonly kind: "invalid-reply" }
  | { readonly kind: "first-seen"; readonly actual: number }
  | { readonly kind: "unchanged"; readonly actual: number }
  | { readonly kind: "changed"; readonly actual: number; readonly before: number };

/**
 * The resync hook, run in the domain's lane on every connect and reconnect of its monitor:
 * events QEMU sent while no daemon listened are lost, so `query-balloon` gives the size now.
 * A size that differs from the one announced last gets exactly one `balloon-change`; a
 * domain seen for the first time is recorded silently; a domain without a balloon device
 * (QEMU answers DeviceNotActive) is left alone.
 */
@injectable()
export class BalloonResync {
  constructor(@inject(TOKENS.StateStore) private readonly store: StateStore) {}

  /** Resyncs the domain of `ctx`. */
  async run(ctx: WorkerContext): Promise<BalloonResyncResult> {
    let reply: unknown;
    try {
      reply = await ctx.channel().execute("query-balloon", undefined, { signal: ctx.signal });
    } catch (e) {
      // isQmpError narrows to QmpError only; the COMMAND code is carried by QmpCommandError.
      const command = isQmpError(e, "QMP_ERR_COMMAND") ? (e as QmpCommandError) : undefined;
      if (command?.errorClass === "DeviceNotActive") {
        return { kind: "no-balloon" };
      }
      throw e;
    }
    ctx.throwIfStale();
    const info = BalloonInfoSchema.safeParse(reply);
    if (!info.success) {
      ctx.logger.warn({ issues: info.error.issues }, "query-balloon reply not understood");
      return { kind: "invalid-reply" };
    }
    const { actual } = info.data;
    const uuid = ctx.domain.uuid;
    const before = readBalloonActual(this.store, uuid);
    if (before === actual) return { kind: "unchanged", actual };
    try {
      await writeBalloonActual(this.store, uuid, actual);
    } catch (err) {
      ctx.logger.warn({ err }, "balloon size not persisted");
    }
    if (before === undefined) return { kind: "first-seen", actual };
    if (ctx.isCurrent()) ctx.emit(BalloonChange, { actual });
    ctx.logger.info({ before, actual }, "balloon moved while nobody listened");
    return { kind: "changed", actual, before };
  }
}

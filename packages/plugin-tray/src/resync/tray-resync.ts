import { type DomainRegistry, type StateStore, TOKENS, type WorkerContext } from "@virtevent/core";
import { inject, injectable } from "tsyringe";
import { TrayChange, type TrayChangeData } from "../events/tray-events.js";
import {
  readTrayPositions,
  TRAY_OPEN_FIELD,
  trayStateKey,
  writeTrayPosition,
} from "../state/tray-state.js";
import { parseTrays } from "./query-block.js";

/**
 * The resync hook (RELIABILITY.md row 20), run in the domain's lane on every connect and
 * reconnect: `query-block` gives every tray's position; each one that differs from the
 * persisted position moved while nobody listened and gets exactly one TRAY_CHANGE. A tray
 * seen for the first time is recorded silently; one that is gone is forgotten.
 */
@injectable()
export class TrayResync {
  constructor(
    @inject(TOKENS.StateStore) private readonly store: StateStore,
    @inject(TOKENS.DomainRegistry) private readonly domains: DomainRegistry,
  ) {}

  /** Resyncs the domain of `ctx`; resolves to the events emitted. */
  async run(ctx: WorkerContext): Promise<TrayChangeData[]> {
    const reply = await ctx.channel().execute("query-block", undefined, { signal: ctx.signal });
    ctx.throwIfStale();
    const uuid = ctx.domain.uuid;
    const persisted = readTrayPositions(this.store, uuid);
    const changes: TrayChangeData[] = [];
    const writes: Array<Promise<void>> = [];
    for (const tray of parseTrays(reply)) {
      this.domains.updateDevice(uuid, tray.alias, { [TRAY_OPEN_FIELD]: tray.open });
      const before = persisted.get(tray.alias);
      persisted.delete(tray.alias);
      if (before === tray.open) continue;
      writes.push(writeTrayPosition(this.store, uuid, tray.alias, tray.open));
      if (before !== undefined) {
        changes.push({ devAlias: tray.alias, reason: tray.open ? "open" : "close" });
      }
    }
    // What is left was persisted for drives QEMU no longer has.
    for (const alias of persisted.keys()) writes.push(this.store.delete(uuid, trayStateKey(alias)));
    const failed = (await Promise.allSettled(writes)).filter((r) => r.status === "rejected");
    if (failed.length > 0)
      ctx.logger.warn({ failed: failed.length }, "tray positions not persisted");
    if (!ctx.isCurrent()) return [];
    for (const change of changes) ctx.emit(TrayChange, change);
    if (changes.length > 0) ctx.logger.info({ changes }, "trays moved while nobody listened");
    return changes;
  }
}

import type { JsonValue, ProcessEventHandler, StateStore, WorkerContext } from "@virtevent/core";
import { isNicRxError } from "../errors/nic-rx-error.js";
import type { HostNetwork } from "../host/host-network.js";
import { parseMac } from "../mac/mac-address.js";
import { applySync } from "../sync/apply-sync.js";
import type { NicConfig } from "../sync/plan-sync.js";
import { findRxFilterInfo } from "../sync/rx-filter-info.js";
import { nicConfigOf, nicConfigsOf } from "./nic-device.js";
import { NicMacChange } from "./nic-events.js";
import type { NicRxFilterCounters } from "./nic-rx-filter-stats.js";

/** State-store key prefix of the guest MAC last seen per NIC (`nic-rx-filter:mac:<alias>`). */
export const LAST_SEEN_MAC_KEY_PREFIX = "nic-rx-filter:mac:";

/**
 * The worker side of the plugin: queries QEMU (which also re-arms its one-shot event), syncs the
 * host device through {@link HostNetwork} and emits NIC_MAC_CHANGE. Runs in the domain's lane,
 * with the job's signal passed to every command and host call and a staleness check after
 * every await. Failures are logged and counted, never thrown, except an abort (the pool counts
 * that one as cancelled).
 * @internal
 */
export class NicSyncer {
  constructor(
    private readonly host: HostNetwork,
    private readonly store: StateStore,
    private readonly counters: NicRxFilterCounters,
  ) {}

  /** Syncs NIC `alias` (one NIC_RX_FILTER_CHANGED, or a configuration change). */
  async syncNic(ctx: WorkerContext, alias: string): Promise<void> {
    const nic = nicConfigOf(ctx.domain.domain.devices, alias);
    if (!nic?.trustGuestRxFilters) {
      // Untrusted (or not ours): not even the query, so nothing is learnt from the guest.
      this.counters.counts.eventsIgnored++;
      ctx.logger.debug({ nic: alias, configured: nic !== undefined }, "rx-filter change ignored");
      return;
    }
    const reply = await this.query(ctx, { name: alias });
    if (reply !== undefined) await this.syncFromReply(ctx, nic, reply);
  }

  /** Resyncs every trusted NIC of the domain with one query (connect and reconnect). */
  async syncAll(ctx: WorkerContext): Promise<void> {
    const nics = nicConfigsOf(ctx.domain.domain.devices).filter((n) => n.trustGuestRxFilters);
    if (nics.length === 0) return;
    const reply = await this.query(ctx, undefined);
    if (reply === undefined) return;
    for (const nic of nics) await this.syncFromReply(ctx, nic, reply);
  }

  private async query(ctx: WorkerContext, args: { name: string } | undefined): Promise<unknown> {
    try {
      return await ctx.channel().execute("query-rx-filter", args, { signal: ctx.signal });
    } catch (e) {
      ctx.throwIfStale();
      this.counters.counts.syncsFailed++;
      ctx.logger.warn({ err: e, nic: args?.name }, "query-rx-filter failed");
      return undefined;
    }
  }

  private async syncFromReply(ctx: WorkerContext, nic: NicConfig, reply: unknown): Promise<void> {
    ctx.throwIfStale();
    const log = ctx.logger.child({ nic: nic.alias });
    const info = findRxFilterInfo(reply, nic.alias);
    if (typeof info === "string") {
      this.counters.counts.syncsFailed++;
      log.warn({ problem: info }, "rx-filter sync skipped");
      return;
    }
    const uuid = ctx.domain.uuid;
    const key = LAST_SEEN_MAC_KEY_PREFIX + nic.alias;
    const lastSeenMac = this.lastSeen(this.store.get(uuid, key), ctx.domain.incarnation);
    let result: Awaited<ReturnType<typeof applySync>>;
    try {
      result = await applySync(this.host, info, nic, {
        lastSeenMac,
        signal: ctx.signal,
        logger: ctx.logger,
      });
    } catch (e) {
      if (isNicRxError(e, "NIC_RX_ERR_ABORTED")) throw e;
      ctx.throwIfStale();
      this.counters.counts.syncsFailed++;
      log.warn({ err: e }, "rx-filter sync aborted: host state unreadable");
      return;
    }
    ctx.throwIfStale();
    this.counters.record(result);
    if (result.guestMac !== undefined && result.guestMac !== lastSeenMac) {
      const record: JsonValue = { incarnation: ctx.domain.incarnation, mac: result.guestMac };
      await this.store.set(uuid, key, record).catch((e: unknown) => {
        log.warn({ err: e }, "could not persist the guest MAC");
      });
      ctx.throwIfStale();
    }
    if (result.macChange) ctx.emit(NicMacChange, { alias: nic.alias, ...result.macChange });
  }

  /** The MAC recorded for this incarnation; a new incarnation starts from the configured one. */
  private lastSeen(stored: JsonValue | undefined, incarnation: number): string | undefined {
    if (typeof stored !== "object" || stored === null || Array.isArray(stored)) return undefined;
    if (stored.incarnation !== incarnation) return undefined;
    return parseMac(stored.mac);
  }
}

/**
 * The worker handler of `NicRxFilterChanged`. Registered in the plugin's container with a
 * factory (no decorators needed): the pool resolves one per event.
 * @internal
 */
export class NicRxFilterWorker implements ProcessEventHandler<{ alias: string }> {
  constructor(private readonly syncer: NicSyncer) {}

  handle(payload: { alias: string }, ctx: WorkerContext): Promise<void> {
    return this.syncer.syncNic(ctx, payload.alias);
  }
}

import { createToken, type Token } from "@virtevent/core";
import type { SyncResult } from "../sync/apply-sync.js";

/** Counters of the nic-rx-filter plugin, one set per daemon. */
export interface NicRxFilterCounts {
  /** NIC_RX_FILTER_CHANGED events ignored: NIC without an alias, unconfigured or untrusted. */
  eventsIgnored: number;
  /** Syncs that ran to the end (some operations may have failed). */
  syncs: number;
  /** Syncs given up: query failed, malformed reply, host state unreadable. */
  syncsFailed: number;
  operationsApplied: number;
  operationsFailed: number;
  /** Guest main MACs refused (group or zero or not a MAC). */
  rejectedMainMacs: number;
  /** Guest multicast entries dropped (not a MAC, no group bit). */
  rejectedMulticastEntries: number;
  /** Syncs whose multicast list was over the cap (allmulticast instead). */
  multicastOverflows: number;
  macChanges: number;
}

/**
 * DI token of the plugin's {@link NicRxFilterCounters}. To read them, register an instance in
 * the daemon's container before `start()`; the plugin then counts into it (otherwise it keeps
 * its own).
 *
 * @example
 * const counters = new NicRxFilterCounters();
 * daemon.container.register(NicRxFilterStats, { useValue: counters });
 */
export const NicRxFilterStats: Token<NicRxFilterCounters> = createToken<NicRxFilterCounters>(
  "plugin-nic-rx-filter",
  "NicRxFilterStats",
);

/** The plugin's counters, one instance per daemon. */
export class NicRxFilterCounters {
  /** The live counters (the plugin increments them). */
  readonly counts: NicRxFilterCounts = {
    eventsIgnored: 0,
    syncs: 0,
    syncsFailed: 0,
    operationsApplied: 0,
    operationsFailed: 0,
    rejectedMainMacs: 0,
    rejectedMulticastEntries: 0,
    multicastOverflows: 0,
    macChanges: 0,
  };

  /** A copy of the counters. */
  snapshot(): NicRxFilterCounts {
    return { ...this.counts };
  }

  /** Adds one finished sync. */
  record(result: SyncResult): void {
    const c = this.counts;
    c.syncs++;
    c.operationsApplied += result.applied.length;
    c.operationsFailed += result.failed.length;
    if (result.rejected.mainMac) c.rejectedMainMacs++;
    c.rejectedMulticastEntries += result.rejected.multicastEntries;
    if (result.rejected.multicastOverflow) c.multicastOverflows++;
    if (result.macChange) c.macChanges++;
  }
}

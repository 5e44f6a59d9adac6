import type { Logger } from "@virtevent/core";
import type { NicRxError } from "../errors/nic-rx-error.js";
import { describeOperation, type HostNetwork, type HostOperation } from "../host/host-network.js";
import { type MacAddress, parseMac } from "../mac/mac-address.js";
import type { NicConfig } from "./plan-sync.js";
import { planSync, type RejectedGuestData } from "./plan-sync.js";
import type { RxFilterInfo } from "./rx-filter-info.js";

/** Options of {@link applySync}. */
export interface ApplySyncOptions {
  /** The guest MAC seen at the previous sync of this NIC; defaults to the configured MAC. */
  lastSeenMac?: string;
  /** Stops between host commands (the domain went away); the sync then rejects. */
  signal?: AbortSignal;
  /** Where failed operations and refused guest data are reported. */
  logger?: Logger;
}

/** A guest MAC change, the payload of NIC_MAC_CHANGE (with the NIC's alias). */
export interface MacChange {
  oldMac: MacAddress;
  newMac: MacAddress;
}

/** What one sync did. */
export interface SyncResult {
  /** False for an untrusted NIC: nothing was read or changed on the host. */
  trusted: boolean;
  /** Operations the host accepted. */
  applied: HostOperation[];
  /** Operations that failed (each logged); the others still applied. */
  failed: Array<{ operation: HostOperation; error: NicRxError }>;
  rejected: RejectedGuestData;
  /** The guest's (valid) main MAC: the caller's next `lastSeenMac`. */
  guestMac?: MacAddress;
  /** Set when `guestMac` differs from the last MAC seen. */
  macChange?: MacChange;
}

/**
 * Syncs one NIC's host device with the guest's rx filter: reads the host device, plans with
 * {@link planSync} and applies the plan best effort (a failing operation is logged and counted,
 * the others still apply). An untrusted NIC returns at once without touching the host. Rejects
 * when the host state cannot be read (`NIC_RX_ERR_HOST_READ`: nothing was changed) or when
 * aborted.
 *
 * @example
 * const result = await applySync(host, info, nic, { lastSeenMac });
 * if (result.macChange) emit(NicMacChange, { alias: nic.alias, ...result.macChange });
 */
export async function applySync(
  host: HostNetwork,
  info: RxFilterInfo,
  nic: NicConfig,
  options: ApplySyncOptions = {},
): Promise<SyncResult> {
  const nothing: RejectedGuestData = {
    mainMac: false,
    multicastEntries: 0,
    multicastOverflow: false,
  };
  if (!nic.trustGuestRxFilters)
    return { trusted: false, applied: [], failed: [], rejected: nothing };

  const state = await host.readState(nic.hostInterface, { signal: options.signal });
  const plan = planSync(info, state, nic);
  const log = options.logger?.child({ nic: nic.alias, iface: nic.hostInterface });
  if (
    plan.rejected.mainMac ||
    plan.rejected.multicastEntries > 0 ||
    plan.rejected.multicastOverflow
  ) {
    log?.warn({ rejected: plan.rejected }, "guest rx-filter data refused");
  }

  const results =
    plan.operations.length === 0
      ? []
      : await host.apply(nic.hostInterface, plan.operations, { signal: options.signal });
  const applied: HostOperation[] = [];
  const failed: SyncResult["failed"] = [];
  for (const { operation, error } of results) {
    if (error === undefined) applied.push(operation);
    else {
      failed.push({ operation, error });
      log?.warn({ operation: describeOperation(operation), err: error }, "host operation failed");
    }
  }

  const result: SyncResult = { trusted: true, applied, failed, rejected: plan.rejected };
  if (plan.guestMac === undefined) return result;
  result.guestMac = plan.guestMac;
  const oldMac = parseMac(options.lastSeenMac ?? nic.mac);
  if (oldMac !== undefined && oldMac !== plan.guestMac) {
    result.macChange = { oldMac, newMac: plan.guestMac };
  }
  return result;
}

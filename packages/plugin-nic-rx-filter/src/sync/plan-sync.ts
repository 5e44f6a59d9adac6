import type { HostDeviceState, HostOperation } from "../host/host-network.js";
import { isAssignableMac, isGroupMac, type MacAddress, parseMac } from "../mac/mac-address.js";
import type { RxFilterInfo } from "./rx-filter-info.js";

/** What the sync needs to know about one NIC of a domain. */
export interface NicConfig {
  /** The NIC's qdev id (QMP `name`), also its alias in public events. */
  alias: string;
  /** The host device backing it (tap or macvtap), e.g. `vnet0`. */
  hostInterface: string;
  /**
   * Whether the guest's rx filter may change the host device. Default false: a guest could
   * otherwise spoof MACs or make the host device promiscuous.
   */
  trustGuestRxFilters: boolean;
  /** The MAC the NIC was configured with; the first "last seen" MAC for NIC_MAC_CHANGE. */
  mac?: string;
}

/** Most multicast entries synced to a host device; beyond, the device goes allmulticast. */
export const MAX_MULTICAST_ENTRIES = 64;

/** What the planner refused from the guest (logged and counted by the caller). */
export interface RejectedGuestData {
  /** The main MAC was not a unicast non-zero MAC: the host MAC is left alone. */
  mainMac: boolean;
  /** Multicast-table entries dropped: not a MAC, or without the group bit. */
  multicastEntries: number;
  /** More than {@link MAX_MULTICAST_ENTRIES} valid entries: allmulticast instead of the list. */
  multicastOverflow: boolean;
}

/** The host operations that bring a host device in line with a guest's rx filter. */
export interface SyncPlan {
  operations: HostOperation[];
  /** The guest's main MAC when valid. */
  guestMac?: MacAddress;
  rejected: RejectedGuestData;
}

/** Valid, distinct multicast entries of the guest table, and how many were dropped. */
function validMulticast(table: readonly unknown[]): { macs: MacAddress[]; dropped: number } {
  const macs = new Set<MacAddress>();
  let dropped = 0;
  for (const entry of table) {
    const mac = parseMac(entry);
    if (mac === undefined || !isGroupMac(mac)) dropped++;
    else macs.add(mac);
  }
  return { macs: [...macs], dropped };
}

/**
 * Plans the sync of one NIC (pure). An untrusted NIC gets no operations at all. For a trusted
 * one, per QEMU-NOTES.md: main MAC set when it differs; multicast entries added / deleted
 * (only entries added from user space are deleted); promiscuous forced on by a non-empty vlan
 * table, else mirrored; multicast mode all → allmulticast on, normal → multicast on and
 * allmulticast = overflow, none → both off. Guest data is validated first; see
 * {@link RejectedGuestData}.
 *
 * @example
 * const { operations } = planSync(info, await host.readState("vnet0"), nic);
 */
export function planSync(info: RxFilterInfo, host: HostDeviceState, nic: NicConfig): SyncPlan {
  const rejected: RejectedGuestData = {
    mainMac: false,
    multicastEntries: 0,
    multicastOverflow: false,
  };
  if (!nic.trustGuestRxFilters) return { operations: [], rejected };

  const operations: HostOperation[] = [];
  const mainMac = parseMac(info["main-mac"]);
  const guestMac = mainMac !== undefined && isAssignableMac(mainMac) ? mainMac : undefined;
  if (guestMac === undefined) rejected.mainMac = true;
  else if (guestMac !== host.mac) operations.push({ kind: "set-mac", mac: guestMac });

  const promisc = info["vlan-table"].length > 0 || info.promiscuous;
  if (promisc !== host.promisc) operations.push({ kind: "promisc", on: promisc });

  const { macs, dropped } = validMulticast(info["multicast-table"]);
  rejected.multicastEntries = dropped;
  rejected.multicastOverflow = macs.length > MAX_MULTICAST_ENTRIES;

  const mode = info.multicast;
  const multicast = mode === "all" ? host.multicast : mode === "normal";
  const allmulticast =
    mode === "all" ||
    (mode === "normal" && (info["multicast-overflow"] || rejected.multicastOverflow));
  if (multicast !== host.multicast) operations.push({ kind: "multicast", on: multicast });
  if (allmulticast !== host.allmulticast) {
    operations.push({ kind: "allmulticast", on: allmulticast });
  }

  // Over the cap the list is left as it is: allmulticast already receives every group.
  if (!rejected.multicastOverflow) {
    const wanted = new Set(macs);
    const onHost = new Set(host.multicastAddresses.map((m) => m.mac));
    for (const entry of host.multicastAddresses) {
      if (entry.static && !wanted.has(entry.mac))
        operations.push({ kind: "del-maddr", mac: entry.mac });
    }
    for (const mac of macs) {
      if (!onHost.has(mac)) operations.push({ kind: "add-maddr", mac });
    }
  }
  return guestMac === undefined ? { operations, rejected } : { operations, guestMac, rejected };
}

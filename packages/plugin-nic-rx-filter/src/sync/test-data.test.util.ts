// Builders shared by the sync tests.
import type { HostDeviceState } from "../host/host-network.js";
import { toMac } from "../mac/mac-address.js";
import type { NicConfig } from "./plan-sync.js";
import type { RxFilterInfo } from "./rx-filter-info.js";

/** A trusted NIC on tap0. */
export const TRUSTED: NicConfig = {
  alias: "net0",
  hostInterface: "tap0",
  trustGuestRxFilters: true,
  mac: "52:54:00:00:00:01",
};

/** The same NIC, untrusted. */
export const UNTRUSTED: NicConfig = { ...TRUSTED, trustGuestRxFilters: false };

/** A guest filter that matches {@link hostState} exactly. */
export function guestInfo(overrides: Partial<RxFilterInfo> = {}): RxFilterInfo {
  return {
    name: "net0",
    promiscuous: false,
    multicast: "normal",
    "multicast-overflow": false,
    "main-mac": "52:54:00:00:00:01",
    "vlan-table": [],
    "multicast-table": ["01:00:5e:00:00:01"],
    ...overrides,
  };
}

/** A host device in line with {@link guestInfo}. */
export function hostState(overrides: Partial<HostDeviceState> = {}): HostDeviceState {
  return {
    mac: toMac("52:54:00:00:00:01"),
    promisc: false,
    allmulticast: false,
    multicast: true,
    multicastAddresses: [{ mac: toMac("01:00:5e:00:00:01"), static: false }],
    ...overrides,
  };
}

/** `count` distinct valid IPv4 multicast MACs. */
export function groupMacs(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const hex = i.toString(16).padStart(4, "0");
    return `01:00:5e:00:${hex.slice(0, 2)}:${hex.slice(2)}`;
  });
}

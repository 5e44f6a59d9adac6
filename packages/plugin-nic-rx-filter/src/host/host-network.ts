import { createToken, type Token } from "@virtevent/core";
import type { NicRxError } from "../errors/nic-rx-error.js";
import type { MacAddress } from "../mac/mac-address.js";

/** One link-layer multicast address of a host device. */
export interface HostMulticastAddress {
  mac: MacAddress;
  /**
   * True when it was added from user space (`ip maddr add`, iproute2's "static"): only those are
   * ours to delete. The others belong to the host's own protocol stacks (IPv4/IPv6 all-nodes).
   */
  static: boolean;
}

/** What a sync needs to know about a host device (tap or macvtap). */
export interface HostDeviceState {
  mac: MacAddress;
  /** IFF_PROMISC as set from user space. */
  promisc: boolean;
  /** IFF_ALLMULTI as set from user space. */
  allmulticast: boolean;
  /** IFF_MULTICAST. */
  multicast: boolean;
  multicastAddresses: HostMulticastAddress[];
}

/** One change to a host device. Every MAC in it is a validated {@link MacAddress}. */
export type HostOperation =
  | { kind: "set-mac"; mac: MacAddress }
  | { kind: "add-maddr"; mac: MacAddress }
  | { kind: "del-maddr"; mac: MacAddress }
  | { kind: "promisc"; on: boolean }
  | { kind: "allmulticast"; on: boolean }
  | { kind: "multicast"; on: boolean };

/** The outcome of one operation of an {@link HostNetwork.apply} call. */
export interface HostOperationResult {
  operation: HostOperation;
  /** Set when the operation failed (a `NIC_RX_ERR_HOST_OPERATION` error). */
  error?: NicRxError;
}

/** Options of the {@link HostNetwork} calls. */
export interface HostNetworkCallOptions {
  /** Stops the work between commands; the call then rejects with `NIC_RX_ERR_ABORTED`. */
  signal?: AbortSignal;
}

/**
 * The host side of a NIC: reads a device's state and applies operations to it. Replaceable
 * (iproute2 in production, a recording fake in tests) and resolved through the
 * {@link HostNetwork} token.
 *
 * @example
 * const state = await host.readState("vnet0");
 * const results = await host.apply("vnet0", [{ kind: "promisc", on: true }]);
 */
export interface HostNetwork {
  /** The device's state; rejects with `NIC_RX_ERR_HOST_READ` when it cannot be read. */
  readState(iface: string, options?: HostNetworkCallOptions): Promise<HostDeviceState>;
  /**
   * Applies `operations` best effort: one result per operation, in order, with `error` set on
   * those that failed; the others still apply. Rejects only when aborted or when `iface` is not
   * a valid interface name (then nothing ran).
   */
  apply(
    iface: string,
    operations: readonly HostOperation[],
    options?: HostNetworkCallOptions,
  ): Promise<HostOperationResult[]>;
}

/** DI token of {@link HostNetwork}: `Symbol.for("@virtevent/plugin-nic-rx-filter/HostNetwork")`. */
export const HostNetwork: Token<HostNetwork> = createToken<HostNetwork>(
  "plugin-nic-rx-filter",
  "HostNetwork",
);

/** A short human form of an operation for logs and errors, e.g. `maddr add 01:00:5e:00:00:01`. */
export function describeOperation(operation: HostOperation): string {
  switch (operation.kind) {
    case "set-mac":
      return `address ${operation.mac}`;
    case "add-maddr":
      return `maddr add ${operation.mac}`;
    case "del-maddr":
      return `maddr del ${operation.mac}`;
    default:
      return `${operation.kind} ${operation.on ? "on" : "off"}`;
  }
}

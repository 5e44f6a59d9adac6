import { HostOperationError, HostReadError, NicRxAbortedError } from "../errors/nic-rx-errors.js";
import {
  describeOperation,
  type HostDeviceState,
  type HostNetwork,
  type HostNetworkCallOptions,
  type HostOperation,
  type HostOperationResult,
} from "../host/host-network.js";
import { assertInterfaceName } from "../host/names.js";
import { isAssignableMac, type MacAddress, toMac } from "../mac/mac-address.js";

/** One entry of the {@link RecordingHostNetwork} log: every operation attempted, in order. */
export interface RecordedOperation {
  iface: string;
  operation: HostOperation;
  /** False when it failed (injected fault or refused like the kernel would). */
  ok: boolean;
}

/** Decides whether an operation fails (fault injection). */
export type OperationFault = (iface: string, operation: HostOperation) => boolean;

/** A device with sensible defaults: multicast on, everything else off, no multicast entries. */
export function defaultDeviceState(mac: string): HostDeviceState {
  return {
    mac: toMac(mac),
    promisc: false,
    allmulticast: false,
    multicast: true,
    multicastAddresses: [],
  };
}

function copy(state: HostDeviceState): HostDeviceState {
  return { ...state, multicastAddresses: state.multicastAddresses.map((m) => ({ ...m })) };
}

/**
 * In-memory {@link HostNetwork} for tests: devices are plain states, every operation is logged,
 * and faults can be injected (an operation fails, reading a device fails). It refuses what the
 * kernel refuses: a group or zero MAC as address, deleting a multicast entry not added from user
 * space.
 *
 * @example
 * const host = new RecordingHostNetwork().addDevice("tap0", defaultDeviceState("52:54:00:00:00:01"));
 * host.failOperations((_, op) => op.kind === "promisc");
 */
export class RecordingHostNetwork implements HostNetwork {
  /** Every operation attempted, in order, with its outcome. */
  readonly log: RecordedOperation[] = [];
  /** How many times a state was read. */
  reads = 0;
  private readonly devices = new Map<string, HostDeviceState>();
  private operationFault: OperationFault | undefined;
  private readFault: ((iface: string) => boolean) | undefined;

  /** Adds (or replaces) a device. Returns `this` for chaining. */
  addDevice(iface: string, state: HostDeviceState): this {
    this.devices.set(iface, copy(state));
    return this;
  }

  /** A copy of a device's current state; throws if there is no such device. */
  device(iface: string): HostDeviceState {
    const state = this.devices.get(iface);
    if (!state) throw new Error(`no device ${iface}`);
    return copy(state);
  }

  /** Makes matching operations fail from now on (`undefined` clears the fault). */
  failOperations(fault: OperationFault | undefined): void {
    this.operationFault = fault;
  }

  /** Makes reading matching devices fail from now on (`undefined` clears the fault). */
  failReads(fault: ((iface: string) => boolean) | undefined): void {
    this.readFault = fault;
  }

  /** The logged operations only (what reached "the host"), optionally for one interface. */
  operations(iface?: string): HostOperation[] {
    return this.log.filter((r) => iface === undefined || r.iface === iface).map((r) => r.operation);
  }

  async readState(iface: string, options: HostNetworkCallOptions = {}): Promise<HostDeviceState> {
    assertInterfaceName(iface);
    if (options.signal?.aborted) throw new NicRxAbortedError({ cause: options.signal.reason });
    this.reads++;
    if (this.readFault?.(iface)) throw new HostReadError(iface, "injected read fault");
    const state = this.devices.get(iface);
    if (!state) throw new HostReadError(iface, "device not found");
    return copy(state);
  }

  async apply(
    iface: string,
    operations: readonly HostOperation[],
    options: HostNetworkCallOptions = {},
  ): Promise<HostOperationResult[]> {
    assertInterfaceName(iface);
    const results: HostOperationResult[] = [];
    for (const operation of operations) {
      if (options.signal?.aborted) throw new NicRxAbortedError({ cause: options.signal.reason });
      const refusal = this.operationFault?.(iface, operation)
        ? "injected fault"
        : this.perform(iface, operation);
      this.log.push({ iface, operation, ok: refusal === undefined });
      if (refusal === undefined) results.push({ operation });
      else {
        const error = new HostOperationError(iface, describeOperation(operation), refusal);
        results.push({ operation, error });
      }
    }
    return results;
  }

  /** Mutates the device like the kernel would; returns why it refused, if it did. */
  private perform(iface: string, operation: HostOperation): string | undefined {
    const state = this.devices.get(iface);
    if (!state) return "device not found";
    switch (operation.kind) {
      case "set-mac":
        if (!isAssignableMac(operation.mac)) return "cannot assign requested address";
        state.mac = operation.mac;
        return undefined;
      case "add-maddr":
        return this.addMaddr(state, operation.mac);
      case "del-maddr": {
        const at = state.multicastAddresses.findIndex((m) => m.mac === operation.mac && m.static);
        if (at < 0) return "no such address";
        state.multicastAddresses.splice(at, 1);
        return undefined;
      }
      default:
        state[operation.kind] = operation.on;
        return undefined;
    }
  }

  private addMaddr(state: HostDeviceState, mac: MacAddress): string | undefined {
    const existing = state.multicastAddresses.find((m) => m.mac === mac);
    if (existing) existing.static = true;
    else state.multicastAddresses.push({ mac, static: true });
    return undefined;
  }
}

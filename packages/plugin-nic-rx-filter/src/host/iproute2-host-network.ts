import { isNicRxError, type NicRxError } from "../errors/nic-rx-error.js";
import { HostOperationError, HostReadError, NicRxAbortedError } from "../errors/nic-rx-errors.js";
import {
  describeOperation,
  type HostDeviceState,
  type HostNetwork,
  type HostNetworkCallOptions,
  type HostOperation,
  type HostOperationResult,
} from "./host-network.js";
import { createIpRunner, type IpRunner } from "./ip-runner.js";
import { parseDeviceState } from "./iproute2-json.js";
import { assertInterfaceName, assertNetnsName } from "./names.js";

/** Options of {@link Iproute2HostNetwork}. */
export interface Iproute2HostNetworkOptions {
  /** Run every command in this network namespace (`ip -n NS ...`). */
  netns?: string;
  /** How to run `ip`; the real binary by default. */
  runner?: IpRunner;
}

type Indexed = { index: number; operation: HostOperation };

/** `ip link set` arguments of one link-attribute operation. */
function linkArgs(operation: HostOperation): string[] {
  switch (operation.kind) {
    case "set-mac":
      return ["address", operation.mac];
    case "promisc":
    case "allmulticast":
    case "multicast":
      return [operation.kind, operation.on ? "on" : "off"];
    default:
      throw new Error(`not a link attribute: ${operation.kind}`);
  }
}

/**
 * {@link HostNetwork} over iproute2: reads with `ip -j link show` and `ip -j maddr show`, writes
 * with `ip` argument arrays (never a shell). The link attributes of one call (address, promisc,
 * allmulticast, multicast) go in a single `ip link set`; if it fails, each attribute is tried
 * again alone (they are idempotent) so every failure is reported on its own field. Multicast
 * entries are one `ip maddr add|del` each. Works for tap and macvtap.
 *
 * @example
 * const host = new Iproute2HostNetwork({ netns: "vm-net" });
 */
export class Iproute2HostNetwork implements HostNetwork {
  private readonly prefix: readonly string[];
  private readonly run: IpRunner;

  constructor(options: Iproute2HostNetworkOptions = {}) {
    if (options.netns !== undefined) assertNetnsName(options.netns);
    this.prefix = options.netns === undefined ? [] : ["-n", options.netns];
    this.run = options.runner ?? createIpRunner();
  }

  /** Reads the device; rejects with `NIC_RX_ERR_HOST_READ` (or `_INVALID_NAME`, `_ABORTED`). */
  async readState(iface: string, options: HostNetworkCallOptions = {}): Promise<HostDeviceState> {
    assertInterfaceName(iface);
    let outputs: string[];
    try {
      outputs = await Promise.all([
        this.ip(["-j", "link", "show", "dev", iface], options.signal),
        this.ip(["-j", "maddr", "show", "dev", iface], options.signal),
      ]);
    } catch (e) {
      if (isNicRxError(e, "NIC_RX_ERR_ABORTED")) throw e;
      throw new HostReadError(iface, e instanceof Error ? e.message : String(e), { cause: e });
    }
    const state = parseDeviceState(iface, outputs[0] ?? "", outputs[1] ?? "");
    if (typeof state === "string") throw new HostReadError(iface, state);
    return state;
  }

  /** Applies `operations` best effort; see {@link HostNetwork.apply}. */
  async apply(
    iface: string,
    operations: readonly HostOperation[],
    options: HostNetworkCallOptions = {},
  ): Promise<HostOperationResult[]> {
    assertInterfaceName(iface);
    const errors = new Map<number, NicRxError>();
    const indexed = operations.map((operation, index) => ({ operation, index }));
    const isMaddr = (o: Indexed) =>
      o.operation.kind === "add-maddr" || o.operation.kind === "del-maddr";
    const link = indexed.filter((o) => !isMaddr(o));
    const maddr = indexed.filter(isMaddr);
    if (link.length > 0) await this.applyLink(iface, link, errors, options.signal);
    if (maddr.length > 0) await this.applyMaddr(iface, maddr, errors, options.signal);
    return operations.map((operation, index) => {
      const error = errors.get(index);
      return error === undefined ? { operation } : { operation, error };
    });
  }

  private async applyLink(
    iface: string,
    ops: Indexed[],
    errors: Map<number, NicRxError>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const set = ["link", "set", "dev", iface];
    const batch = await this.attempt(
      [...set, ...ops.flatMap((o) => linkArgs(o.operation))],
      signal,
    );
    if (batch === undefined) return;
    if (ops.length === 1) {
      errors.set(ops[0].index, this.operationError(iface, ops[0].operation, batch));
      return;
    }
    // The kernel may have applied part of the batch; every attribute is idempotent, so each
    // one is simply tried again on its own.
    for (const o of ops) {
      const error = await this.attempt([...set, ...linkArgs(o.operation)], signal);
      if (error !== undefined) errors.set(o.index, this.operationError(iface, o.operation, error));
    }
  }

  private async applyMaddr(
    iface: string,
    ops: Indexed[],
    errors: Map<number, NicRxError>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    // One command per entry: `ip maddr` takes one address, and under `ip -batch` iproute2 6.1
    // applies only the first maddr line yet exits 0 (checked on Debian 12), so it cannot batch.
    for (const o of ops) {
      const { operation } = o;
      if (operation.kind !== "add-maddr" && operation.kind !== "del-maddr") continue;
      const verb = operation.kind === "add-maddr" ? "add" : "del";
      const error = await this.attempt(["maddr", verb, operation.mac, "dev", iface], signal);
      if (error !== undefined) errors.set(o.index, this.operationError(iface, operation, error));
    }
  }

  /** Runs `ip`; resolves `undefined` on success, the error otherwise (rethrows an abort). */
  private async attempt(args: string[], signal?: AbortSignal): Promise<unknown> {
    try {
      await this.ip(args, signal);
      return undefined;
    } catch (e) {
      if (isNicRxError(e, "NIC_RX_ERR_ABORTED")) throw e;
      return e;
    }
  }

  private ip(args: string[], signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) return Promise.reject(new NicRxAbortedError({ cause: signal.reason }));
    return this.run([...this.prefix, ...args], { signal });
  }

  private operationError(iface: string, operation: HostOperation, cause: unknown): NicRxError {
    const message = cause instanceof Error ? cause.message : String(cause);
    return new HostOperationError(iface, describeOperation(operation), message, { cause });
  }
}

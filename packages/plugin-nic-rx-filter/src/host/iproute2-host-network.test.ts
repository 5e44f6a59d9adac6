// The adapter's batching and failure attribution, with a scripted `ip` (the real one is
// exercised in test/iproute2-host-network.test.ts).
import { describe, expect, it } from "vitest";
import { isNicRxError } from "../errors/nic-rx-error.js";
import { IpCommandError } from "../errors/nic-rx-errors.js";
import { toMac } from "../mac/mac-address.js";
import type { IpRunner } from "./ip-runner.js";
import { Iproute2HostNetwork } from "./iproute2-host-network.js";

interface Call {
  args: readonly string[];
}

/** A runner that records calls and fails those `fails` matches. */
function scripted(
  fails: (args: readonly string[]) => boolean,
  outputs: Record<string, string> = {},
) {
  const calls: Call[] = [];
  const runner: IpRunner = async (args) => {
    calls.push({ args });
    if (fails(args))
      throw new IpCommandError(args, 2, "RTNETLINK answers: Operation not permitted");
    return outputs[args.join(" ")] ?? "";
  };
  return { calls, runner };
}

const G1 = toMac("01:00:5e:00:00:0a");
const G2 = toMac("01:00:5e:00:00:0b");

describe("Iproute2HostNetwork (scripted ip)", () => {
  it("sends all link attributes in one ip link set, in the namespace", async () => {
    const { calls, runner } = scripted(() => false);
    const host = new Iproute2HostNetwork({ netns: "ns1", runner });
    const results = await host.apply("tap0", [
      { kind: "set-mac", mac: toMac("52:54:00:00:00:09") },
      { kind: "promisc", on: true },
      { kind: "allmulticast", on: false },
      { kind: "multicast", on: true },
    ]);
    expect(results.map((r) => r.error)).toEqual([undefined, undefined, undefined, undefined]);
    expect(calls.map((c) => c.args.join(" "))).toEqual([
      "-n ns1 link set dev tap0 address 52:54:00:00:00:09 promisc on allmulticast off multicast on",
    ]);
  });

  it("retries a failed link batch field by field and reports only the failing field", async () => {
    const { calls, runner } = scripted((args) => args.includes("promisc"));
    const host = new Iproute2HostNetwork({ runner });
    const results = await host.apply("tap0", [
      { kind: "promisc", on: true },
      { kind: "allmulticast", on: true },
    ]);
    expect(isNicRxError(results[0]?.error, "NIC_RX_ERR_HOST_OPERATION")).toBe(true);
    expect(results[0]?.error?.message).toMatch(/promisc on on tap0: .*not permitted/);
    expect(results[1]?.error).toBeUndefined();
    expect(calls.map((c) => c.args.join(" "))).toEqual([
      "link set dev tap0 promisc on allmulticast on",
      "link set dev tap0 promisc on",
      "link set dev tap0 allmulticast on",
    ]);
  });

  it("sends one ip maddr per entry and reports each failure on its entry", async () => {
    const { calls, runner } = scripted((args) => args.includes("del"));
    const host = new Iproute2HostNetwork({ runner });
    const results = await host.apply("tap0", [
      { kind: "add-maddr", mac: G1 },
      { kind: "del-maddr", mac: G2 },
    ]);
    expect(results[0]?.error).toBeUndefined();
    expect(results[1]?.error?.message).toMatch(/maddr del 01:00:5e:00:00:0b on tap0/);
    expect(calls.map((c) => c.args.join(" "))).toEqual([
      `maddr add ${G1} dev tap0`,
      `maddr del ${G2} dev tap0`,
    ]);
  });

  it("turns an unreadable device into NIC_RX_ERR_HOST_READ", async () => {
    const { runner } = scripted((args) => args.includes("link"));
    const host = new Iproute2HostNetwork({ runner });
    await expect(host.readState("tap0")).rejects.toSatisfy((e) =>
      isNicRxError(e, "NIC_RX_ERR_HOST_READ"),
    );
  });

  it("refuses invalid names without running ip", async () => {
    const { calls, runner } = scripted(() => false);
    expect(() => new Iproute2HostNetwork({ netns: "-all", runner })).toThrow(
      /invalid network namespace/,
    );
    const host = new Iproute2HostNetwork({ runner });
    await expect(host.readState("-help")).rejects.toThrow(/invalid interface name/);
    await expect(host.apply("a b", [{ kind: "promisc", on: true }])).rejects.toThrow(
      /invalid interface/,
    );
    expect(calls).toEqual([]);
  });
});

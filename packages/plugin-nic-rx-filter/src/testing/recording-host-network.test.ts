import { describe, expect, it } from "vitest";
import { isNicRxError } from "../errors/nic-rx-error.js";
import { toMac } from "../mac/mac-address.js";
import { defaultDeviceState, RecordingHostNetwork } from "./recording-host-network.js";

const MAC = "52:54:00:00:00:01";
const GROUP = toMac("01:00:5e:01:02:03");

function host(): RecordingHostNetwork {
  return new RecordingHostNetwork().addDevice("tap0", defaultDeviceState(MAC));
}

describe("RecordingHostNetwork", () => {
  it("applies operations to the device and logs them in order", async () => {
    const h = host();
    const results = await h.apply("tap0", [
      { kind: "set-mac", mac: toMac("52:54:00:00:00:02") },
      { kind: "promisc", on: true },
      { kind: "add-maddr", mac: GROUP },
      { kind: "multicast", on: false },
    ]);
    expect(results.every((r) => r.error === undefined)).toBe(true);
    expect(h.device("tap0")).toEqual({
      mac: "52:54:00:00:00:02",
      promisc: true,
      allmulticast: false,
      multicast: false,
      multicastAddresses: [{ mac: GROUP, static: true }],
    });
    expect(h.log.map((r) => r.operation.kind)).toEqual([
      "set-mac",
      "promisc",
      "add-maddr",
      "multicast",
    ]);
  });

  it("returns copies, so callers cannot change a device behind its back", async () => {
    const h = host();
    const state = await h.readState("tap0");
    state.promisc = true;
    state.multicastAddresses.push({ mac: GROUP, static: true });
    expect(h.device("tap0")).toEqual(defaultDeviceState(MAC));
  });

  it("fails injected operations and still applies the others", async () => {
    const h = host();
    h.failOperations((_, op) => op.kind === "promisc");
    const results = await h.apply("tap0", [
      { kind: "promisc", on: true },
      { kind: "allmulticast", on: true },
    ]);
    expect(isNicRxError(results[0]?.error, "NIC_RX_ERR_HOST_OPERATION")).toBe(true);
    expect(results[1]?.error).toBeUndefined();
    expect(h.device("tap0")).toMatchObject({ promisc: false, allmulticast: true });
    expect(h.log.map((r) => r.ok)).toEqual([false, true]);
  });

  it("refuses what the kernel refuses", async () => {
    const h = host();
    const [setGroup, delMissing] = await h.apply("tap0", [
      { kind: "set-mac", mac: GROUP },
      { kind: "del-maddr", mac: GROUP },
    ]);
    expect(setGroup?.error?.message).toMatch(/cannot assign/);
    expect(delMissing?.error?.message).toMatch(/no such address/);
    expect(h.device("tap0").mac).toBe(MAC);
  });

  it("fails reads on demand and for unknown devices", async () => {
    const h = host();
    h.failReads((iface) => iface === "tap0");
    await expect(h.readState("tap0")).rejects.toSatisfy((e) =>
      isNicRxError(e, "NIC_RX_ERR_HOST_READ"),
    );
    h.failReads(undefined);
    await expect(h.readState("tap0")).resolves.toMatchObject({ mac: MAC });
    await expect(h.readState("tap9")).rejects.toThrow(/device not found/);
    expect(h.reads).toBe(3);
  });

  it("refuses invalid interface names before doing anything", async () => {
    const h = host();
    await expect(h.apply("tap0;reboot", [{ kind: "promisc", on: true }])).rejects.toSatisfy((e) =>
      isNicRxError(e, "NIC_RX_ERR_INVALID_NAME"),
    );
    expect(h.log).toEqual([]);
  });

  it("stops when aborted", async () => {
    const h = host();
    const controller = new AbortController();
    controller.abort();
    await expect(
      h.apply("tap0", [{ kind: "promisc", on: true }], { signal: controller.signal }),
    ).rejects.toSatisfy((e) => isNicRxError(e, "NIC_RX_ERR_ABORTED"));
    expect(h.log).toEqual([]);
  });
});

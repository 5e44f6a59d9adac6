// Iproute2HostNetwork against real devices: a tap, and a macvtap over a veth, in a namespace
// this file creates and removes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isNicRxError } from "../src/errors/nic-rx-error.js";
import { Iproute2HostNetwork } from "../src/host/iproute2-host-network.js";
import { toMac } from "../src/mac/mac-address.js";
import { NetNamespace } from "./support/netns.js";
import {
  assertAvailable,
  checkPrerequisites,
  QEMU_REQUIRED,
  skipNote,
} from "./support/prerequisites.js";

const availability = await checkPrerequisites({ root: true });
const G1 = toMac("01:00:5e:01:02:03");
const G2 = toMac("33:33:00:00:00:fb");

/** The device as `ip -j` shows it, read independently of the adapter. */
async function observe(ns: NetNamespace, iface: string) {
  const [link] = (await ns.ipJson(["link", "show", "dev", iface])) as Array<{
    address: string;
    flags: string[];
  }>;
  const maddr = (await ns.ipJson(["maddr", "show", "dev", iface])) as Array<{
    maddr?: Array<{ link?: string; features?: string }>;
  }>;
  const statics = (maddr[0]?.maddr ?? []).filter((m) => m.features === "static").map((m) => m.link);
  return { address: link?.address, flags: link?.flags ?? [], statics };
}

describe.skipIf(!availability.ok && !QEMU_REQUIRED)(
  `Iproute2HostNetwork on real devices${skipNote(availability)}`,
  () => {
    let ns: NetNamespace | undefined;
    let host: Iproute2HostNetwork;
    const netns = (): NetNamespace => {
      if (!ns) throw new Error("no namespace (see beforeAll)");
      return ns;
    };

    beforeAll(async () => {
      assertAvailable(availability);
      ns = await NetNamespace.create();
      await ns.addTap("tap0");
      await ns.addVethPair("veth0", "veth1");
      await ns.addMacvtap("mvtap0", "veth0");
      host = new Iproute2HostNetwork({ netns: ns.name });
    });

    afterAll(async () => {
      await ns?.dispose();
    });

    it.each(["tap0", "mvtap0"])(
      "reads and changes the link attributes of %s in one go",
      async (dev) => {
        const mac = toMac("52:54:00:12:34:56");
        const results = await host.apply(dev, [
          { kind: "set-mac", mac },
          { kind: "promisc", on: true },
          { kind: "allmulticast", on: true },
          { kind: "multicast", on: false },
        ]);
        expect(results.map((r) => r.error)).toEqual([undefined, undefined, undefined, undefined]);
        const seen = await observe(netns(), dev);
        expect(seen.address).toBe(mac);
        expect(seen.flags).toEqual(expect.arrayContaining(["PROMISC", "ALLMULTI"]));
        expect(seen.flags).not.toContain("MULTICAST");
        expect(await host.readState(dev)).toMatchObject({
          mac,
          promisc: true,
          allmulticast: true,
          multicast: false,
        });

        await host.apply(dev, [
          { kind: "promisc", on: false },
          { kind: "allmulticast", on: false },
          { kind: "multicast", on: true },
        ]);
        expect(await host.readState(dev)).toMatchObject({
          promisc: false,
          allmulticast: false,
          multicast: true,
        });
      },
    );

    it.each(["tap0", "mvtap0"])(
      "adds and deletes link-layer multicast entries on %s",
      async (dev) => {
        await host.apply(dev, [
          { kind: "add-maddr", mac: G1 },
          { kind: "add-maddr", mac: G2 },
        ]);
        expect((await observe(netns(), dev)).statics).toEqual(expect.arrayContaining([G1, G2]));
        const state = await host.readState(dev);
        expect(state.multicastAddresses).toEqual(
          expect.arrayContaining([
            { mac: G1, static: true },
            { mac: G2, static: true },
          ]),
        );
        const [del] = await host.apply(dev, [{ kind: "del-maddr", mac: G1 }]);
        expect(del?.error).toBeUndefined();
        expect((await observe(netns(), dev)).statics).toEqual([G2]);
        await host.apply(dev, [{ kind: "del-maddr", mac: G2 }]);
        expect((await observe(netns(), dev)).statics).toEqual([]);
      },
    );

    it("reports the failing field of a batch and still applies the rest", async () => {
      const before = await host.readState("tap0");
      const results = await host.apply("tap0", [
        { kind: "set-mac", mac: toMac("01:00:00:00:00:01") }, // the kernel refuses a group MAC
        { kind: "promisc", on: true },
      ]);
      expect(isNicRxError(results[0]?.error, "NIC_RX_ERR_HOST_OPERATION")).toBe(true);
      expect(results[1]?.error).toBeUndefined();
      const after = await host.readState("tap0");
      expect(after.mac).toBe(before.mac);
      expect(after.promisc).toBe(true);
      await host.apply("tap0", [{ kind: "promisc", on: false }]);
    });

    it("tells which entry of a failed maddr batch failed", async () => {
      const results = await host.apply("tap0", [
        { kind: "del-maddr", mac: G2 }, // not there: the kernel refuses
        { kind: "add-maddr", mac: G1 },
      ]);
      expect(isNicRxError(results[0]?.error, "NIC_RX_ERR_HOST_OPERATION")).toBe(true);
      expect(results[1]?.error).toBeUndefined();
      expect((await observe(netns(), "tap0")).statics).toEqual([G1]);
      await host.apply("tap0", [{ kind: "del-maddr", mac: G1 }]);
    });

    it("rejects reading a device that does not exist with NIC_RX_ERR_HOST_READ", async () => {
      await expect(host.readState("nosuch0")).rejects.toSatisfy((e) =>
        isNicRxError(e, "NIC_RX_ERR_HOST_READ"),
      );
    });
  },
);

// End to end, with a real guest: a namespace, a tap in it (then a macvtap over a veth),
// QEMU (TCG) on it with a virtio-net NIC net0, a daemon running the plugin with the iproute2
// adapter in that namespace. The guest changes its rx filter; the test reads the host device
// with `ip -j` after each step. Then the NIC is made untrusted and the same steps leave the host
// device alone. One booted guest serves every step of a device kind.
import { createDaemon, type Daemon, type DomainEventType } from "@virtevent/core";
import type { DomainMonitor } from "@virtevent/qmp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NicMacChange } from "../src/plugin/nic-events.js";
import { NicRxFilterCounters, NicRxFilterStats } from "../src/plugin/nic-rx-filter-stats.js";
import { nicRxFilterPlugin } from "../src/plugin/plugin.js";
import { connectDomainMonitor } from "./support/daemon-monitor.js";
import { pollUntil } from "./support/exec.js";
import { type GuestRig, type RigDeviceKind, startGuestRig } from "./support/guest-rig.js";
import {
  assertAvailable,
  checkPrerequisites,
  guestImage,
  QEMU_REQUIRED,
  skipNote,
} from "./support/prerequisites.js";

const availability = await checkPrerequisites({ root: true, qemu: true, guest: true });

/** Longest a guest change may take to reach the host (event, query, ip commands). */
const SYNC_WAIT_MS = 15_000;
const M0 = "52:54:00:5e:00:10";
const M1 = "52:54:00:5e:00:11";
const M2 = "52:54:00:5e:00:12";
const GROUP = "01:00:5e:0a:0b:0c";
const GROUP2 = "01:00:5e:0a:0b:0d";

interface HostView {
  address: string;
  promisc: boolean;
  allmulti: boolean;
  statics: string[];
}

/** The whole scenario on one kind of host device. */
function endToEnd(device: RigDeviceKind): void {
  describe.skipIf(!availability.ok && !QEMU_REQUIRED)(
    `nic-rx-filter end to end on a ${device}${skipNote(availability)}`,
    () => {
      let rig: GuestRig | undefined;
      let daemon: Daemon | undefined;
      let attached: DomainMonitor | undefined;
      let uuid = "";
      const counters = new NicRxFilterCounters();
      const macChanges: unknown[] = [];

      const booted = (): GuestRig => {
        if (!rig) throw new Error("the guest did not boot (see beforeAll)");
        return rig;
      };
      const running = (): Daemon => {
        if (!daemon) throw new Error("the daemon did not start (see beforeAll)");
        return daemon;
      };
      const guest = (command: string) => booted().vm.console.check(command);

      /** The host tap as `ip -j` shows it, read by the test itself. */
      async function host(): Promise<HostView> {
        const ns = booted().netns;
        const [link] = (await ns.ipJson(["link", "show", "dev", booted().hostInterface])) as Array<{
          address: string;
          flags: string[];
        }>;
        const [maddr] = (await ns.ipJson([
          "maddr",
          "show",
          "dev",
          booted().hostInterface,
        ])) as Array<{
          maddr?: Array<{ link?: string; features?: string }>;
        }>;
        const flags = link?.flags ?? [];
        return {
          address: link?.address ?? "",
          promisc: flags.includes("PROMISC"),
          allmulti: flags.includes("ALLMULTI"),
          statics: (maddr?.maddr ?? [])
            .filter((m) => m.features === "static")
            .map((m) => m.link ?? "")
            .sort(),
        };
      }

      /** Waits until the host tap satisfies `check`; fails with the last state seen. */
      async function hostBecomes(what: string, check: (h: HostView) => boolean): Promise<HostView> {
        let last: HostView | undefined;
        try {
          return await pollUntil(
            what,
            async () => {
              last = await host();
              return check(last) ? last : undefined;
            },
            SYNC_WAIT_MS,
          );
        } catch (e) {
          throw new Error(
            `${String(e)}; host tap: ${JSON.stringify(last)}\n${booted().vm.diagnostics()}`,
          );
        }
      }

      /** The guest's rx filter as QEMU reports it (the test's own monitor; re-arms the event). */
      async function guestFilter(): Promise<Record<string, unknown>> {
        const [info] = (await booted().vm.control.execute("query-rx-filter", {
          name: "net0",
        })) as Array<Record<string, unknown>>;
        return info ?? {};
      }

      beforeAll(async () => {
        assertAvailable(availability);
        const image = guestImage();
        if (!image.ok) throw new Error(image.reason);
        rig = await startGuestRig(image, { mac: M0, device });
        daemon = createDaemon({
          plugins: [nicRxFilterPlugin],
          pluginOptions: { "nic-rx-filter": { netns: rig.netns.name } },
        });
        daemon.container.register(NicRxFilterStats, { useValue: counters });
        await daemon.start();
        uuid = daemon.domains.define({
          name: "vm1",
          devices: {
            net0: { hostInterface: rig.hostInterface, trustGuestRxFilters: true, mac: M0 },
          },
        }).uuid;
        daemon.events.registerAny({
          event: NicMacChange as DomainEventType<unknown>,
          callback: (_domain, data) => macChanges.push(data),
        });
      }, 120_000);

      afterAll(async () => {
        const errors: unknown[] = [];
        for (const step of [() => attached?.close(), () => daemon?.close(), () => rig?.dispose()]) {
          try {
            await step();
          } catch (e) {
            errors.push(e);
          }
        }
        if (errors.length > 0) throw new AggregateError(errors, "end-to-end cleanup failed");
      }, 60_000);

      it("resyncs on connect what the guest changed while nobody listened", async () => {
        await guest("ip link set eth0 up");
        await guest(`ip maddr add ${GROUP} dev eth0`);
        expect((await host()).address).not.toBe(M0); // the tap starts with its own random MAC
        attached = await connectDomainMonitor(running(), uuid, booted().vm.qmpPath);
        const h = await hostBecomes(
          "the connect resync",
          (v) => v.address === M0 && v.statics.includes(GROUP),
        );
        expect(h.promisc).toBe(false);
        expect(macChanges).toEqual([]); // the configured MAC is not a change
      });

      it("follows the guest's MAC and emits NIC_MAC_CHANGE", async () => {
        await guest(`ip link set eth0 address ${M1}`);
        await hostBecomes("the new MAC on the tap", (v) => v.address === M1);
        await pollUntil(
          "NIC_MAC_CHANGE",
          () => (macChanges.length > 0 ? true : undefined),
          SYNC_WAIT_MS,
        );
        expect(macChanges).toEqual([{ alias: "net0", oldMac: M0, newMac: M1 }]);
      });

      it("follows promiscuous mode on and off", async () => {
        await guest("ip link set eth0 promisc on");
        await hostBecomes("promisc on", (v) => v.promisc);
        await guest("ip link set eth0 promisc off");
        await hostBecomes("promisc off", (v) => !v.promisc);
      });

      it("follows allmulticast on and off", async () => {
        await guest("ip link set eth0 allmulticast on");
        await hostBecomes("allmulticast on", (v) => v.allmulti);
        await guest("ip link set eth0 allmulticast off");
        await hostBecomes("allmulticast off", (v) => !v.allmulti);
      });

      it("follows a multicast group joined and left", async () => {
        await guest(`ip maddr add ${GROUP2} dev eth0`);
        await hostBecomes("the group on the tap", (v) => v.statics.includes(GROUP2));
        await guest(`ip maddr del ${GROUP2} dev eth0`);
        await hostBecomes("the group gone from the tap", (v) => !v.statics.includes(GROUP2));
        expect(counters.snapshot()).toMatchObject({ operationsFailed: 0, syncsFailed: 0 });
      });

      it("resyncs when the monitor connects again after an absence", async () => {
        attached?.close();
        attached = undefined;
        await guest("ip link set eth0 promisc on");
        expect((await host()).promisc).toBe(false);
        attached = await connectDomainMonitor(running(), uuid, booted().vm.qmpPath);
        await hostBecomes("the reconnect resync", (v) => v.promisc);
        // The resync's query re-armed the event: later changes flow again.
        await guest("ip link set eth0 promisc off");
        await hostBecomes("promisc off after the reconnect", (v) => !v.promisc);
      });

      it("leaves the host device alone once the NIC is untrusted", async () => {
        running().domains.updateDevice(uuid, "net0", { trustGuestRxFilters: false });
        const before = await host();
        const steps: Array<[string, (f: Record<string, unknown>) => boolean]> = [
          ["ip link set eth0 promisc on", (f) => f.promiscuous === true],
          ["ip link set eth0 allmulticast on", (f) => f.multicast === "all"],
          [`ip link set eth0 address ${M2}`, (f) => f["main-mac"] === M2],
          [
            `ip maddr add ${GROUP2} dev eth0`,
            (f) => (f["multicast-table"] as string[]).includes(GROUP2),
          ],
        ];
        for (const [command, changedInGuest] of steps) {
          const ignored = counters.snapshot().eventsIgnored;
          await guest(command);
          // The event reached the plugin's worker, which ignored it...
          await pollUntil(
            `the event of "${command}"`,
            () => (counters.snapshot().eventsIgnored > ignored ? true : undefined),
            SYNC_WAIT_MS,
          );
          // ...the guest did change (this query also re-arms QEMU's one-shot event)...
          expect(changedInGuest(await guestFilter())).toBe(true);
          // ...and the host did not.
          expect(await host()).toEqual(before);
        }
        expect(macChanges).toHaveLength(1);
      });
    },
  );
}

endToEnd("tap");
endToEnd("macvtap");

// The plugin inside a real daemon (ManualEventLoop), driven by an in-test monitor that plays
// QEMU's side (schema check + dispatch, scripted query-rx-filter replies), against the
// recording HostNetwork.
import {
  type CommandChannel,
  createDaemon,
  type Daemon,
  type DomainEventType,
} from "@virtevent/core";
import { ManualEventLoop } from "@virtevent/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { HostNetwork } from "../host/host-network.js";
import { defaultDeviceState, RecordingHostNetwork } from "../testing/recording-host-network.js";
import { NicMacChange, NicRxFilterChanged } from "./nic-events.js";
import { NicRxFilterCounters, NicRxFilterStats } from "./nic-rx-filter-stats.js";
import { nicRxFilterPlugin } from "./plugin.js";

const M0 = "52:54:00:00:00:01";
const M1 = "52:54:00:00:00:02";

function rxFilter(name: string, overrides: Record<string, unknown> = {}) {
  return {
    name,
    promiscuous: false,
    multicast: "normal",
    "multicast-overflow": false,
    "main-mac": M0,
    "vlan-table": [],
    "multicast-table": [],
    ...overrides,
  };
}

/** Plays QEMU: answers query-rx-filter from `guest`, dispatches events through the bridge. */
class FakeQemu implements CommandChannel {
  readonly commands: Array<{ command: string; args?: Record<string, unknown> }> = [];
  guest = new Map<string, Record<string, unknown>>();
  failQuery = false;
  reply: unknown;

  constructor(
    private readonly daemon: Daemon,
    private readonly uuid: string,
  ) {}

  async execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    this.commands.push({ command, args });
    if (this.failQuery) throw new Error("DeviceNotFound");
    if (this.reply !== undefined) return this.reply;
    const name = args?.name;
    return [...this.guest.values()].filter((g) => name === undefined || g.name === name);
  }

  event(data: unknown): void {
    const entry = this.daemon.bridge.findMonitorEvent("NIC_RX_FILTER_CHANGED");
    if (!entry) throw new Error("the plugin did not claim NIC_RX_FILTER_CHANGED");
    const parsed = entry.schema.safeParse(data);
    if (!parsed.success) throw new Error(`bad event data: ${parsed.error.message}`);
    this.daemon.bridge.dispatchMonitorEvent(entry, this.uuid, parsed.data);
  }
}

let daemon: Daemon | undefined;
afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
});

type Devices = Record<string, Record<string, string | boolean>>;

async function setup(devices: Devices) {
  const loop = new ManualEventLoop();
  const d = createDaemon({ loop, plugins: [nicRxFilterPlugin] });
  daemon = d;
  const host = new RecordingHostNetwork()
    .addDevice("tap0", defaultDeviceState("fe:00:00:00:00:01"))
    .addDevice("tap1", defaultDeviceState("fe:00:00:00:00:02"));
  const counters = new NicRxFilterCounters();
  d.container.register(HostNetwork, { useValue: host });
  d.container.register(NicRxFilterStats, { useValue: counters });
  await d.start();
  const vm = d.domains.define({ name: "vm1", devices });
  const qemu = new FakeQemu(d, vm.uuid);
  qemu.guest.set("net0", rxFilter("net0"));
  qemu.guest.set("net1", rxFilter("net1", { "main-mac": "52:54:00:00:01:01" }));
  const macChanges: unknown[] = [];
  d.events.registerAny({
    event: NicMacChange as DomainEventType<unknown>,
    callback: (_dom, data) => macChanges.push(data),
  });
  /** Turns the loop and lets promise reactions run until the worker pool is idle. */
  const pump = async () => {
    for (let i = 0; i < 50; i++) {
      loop.runOnce();
      await new Promise<void>((resolve) => setImmediate(resolve));
      const s = d.workers.stats();
      if (i > 3 && s.running === 0 && s.queued === 0) break;
    }
    loop.runOnce(); // deliver the public events queued by the last job
  };
  const connect = async (reconnect = false) => {
    const done = d.bridge.domainConnected(vm.uuid, qemu, { reconnect });
    await pump();
    await done;
  };
  return { d, vm, qemu, host, counters, macChanges, pump, connect };
}

const TRUSTED = { hostInterface: "tap0", trustGuestRxFilters: true, mac: M0 };
const UNTRUSTED = { hostInterface: "tap1", mac: "52:54:00:00:01:01" };

describe("nic-rx-filter plugin", () => {
  it("resyncs every trusted NIC with one query on connect, and untrusted ones not at all", async () => {
    const { qemu, host, connect, counters } = await setup({ net0: TRUSTED, net1: UNTRUSTED });
    qemu.guest.set("net0", rxFilter("net0", { promiscuous: true }));
    qemu.guest.set("net1", rxFilter("net1", { promiscuous: true }));
    await connect();
    expect(qemu.commands).toEqual([{ command: "query-rx-filter", args: undefined }]);
    expect(host.device("tap0")).toMatchObject({ mac: M0, promisc: true });
    expect(host.operations("tap1")).toEqual([]);
    expect(counters.snapshot()).toMatchObject({ syncs: 1, operationsApplied: 2 });
  });

  it("resyncs again on reconnect", async () => {
    const { qemu, host, connect } = await setup({ net0: TRUSTED });
    await connect();
    qemu.guest.set("net0", rxFilter("net0", { multicast: "all" }));
    await connect(true);
    expect(qemu.commands.map((c) => c.command)).toEqual(["query-rx-filter", "query-rx-filter"]);
    expect(host.device("tap0").allmulticast).toBe(true);
  });

  it("syncs a trusted NIC on NIC_RX_FILTER_CHANGED and emits NIC_MAC_CHANGE", async () => {
    const { qemu, host, macChanges, pump, connect } = await setup({ net0: TRUSTED });
    await connect();
    qemu.commands.length = 0;
    qemu.guest.set("net0", rxFilter("net0", { "main-mac": M1, promiscuous: true }));
    qemu.event({ name: "net0", path: "/machine/peripheral/net0/virtio-backend" });
    await pump();
    expect(qemu.commands).toEqual([{ command: "query-rx-filter", args: { name: "net0" } }]);
    expect(host.device("tap0")).toMatchObject({ mac: M1, promisc: true });
    expect(macChanges).toEqual([{ alias: "net0", oldMac: M0, newMac: M1 }]);

    // The same MAC again is no change; back to M0 is one.
    qemu.event({ name: "net0", path: "/machine/peripheral/net0/virtio-backend" });
    await pump();
    qemu.guest.set("net0", rxFilter("net0"));
    qemu.event({ name: "net0", path: "/machine/peripheral/net0/virtio-backend" });
    await pump();
    expect(macChanges).toEqual([
      { alias: "net0", oldMac: M0, newMac: M1 },
      { alias: "net0", oldMac: M1, newMac: M0 },
    ]);
  });

  it("finds the NIC by its QOM path when the event has no name", async () => {
    const { qemu, host, pump, connect } = await setup({ net0: TRUSTED });
    await connect();
    qemu.guest.set("net0", rxFilter("net0", { multicast: "all" }));
    qemu.event({ path: "/machine/peripheral/net0/virtio-backend" });
    await pump();
    expect(host.device("tap0").allmulticast).toBe(true);
  });

  it("never queries nor touches the host for an untrusted NIC", async () => {
    const { qemu, host, pump, connect, counters } = await setup({ net1: UNTRUSTED });
    await connect();
    qemu.guest.set("net1", rxFilter("net1", { promiscuous: true, "main-mac": M1 }));
    qemu.event({ name: "net1", path: "/machine/peripheral/net1/virtio-backend" });
    qemu.event({ path: "/machine/peripheral-anon/device[3]/virtio-backend" });
    await pump();
    expect(qemu.commands).toEqual([]);
    expect(host.log).toEqual([]);
    expect(host.reads).toBe(0);
    expect(counters.snapshot().eventsIgnored).toBe(1);
  });

  it("follows a trust change once the daemon submits NicRxFilterChanged (row 20)", async () => {
    const { d, vm, qemu, host, pump, connect } = await setup({
      net0: { ...TRUSTED, trustGuestRxFilters: false },
    });
    await connect();
    qemu.guest.set("net0", rxFilter("net0", { promiscuous: true }));
    expect(host.log).toEqual([]);
    d.domains.updateDevice(vm.uuid, "net0", { trustGuestRxFilters: true });
    d.workers.submit(vm.uuid, NicRxFilterChanged, { alias: "net0" }, { coalesceKey: "net0" });
    await pump();
    expect(host.device("tap0").promisc).toBe(true);
  });

  it("coalesces a storm of events into at most one running and one queued sync", async () => {
    const { qemu, pump, connect, counters } = await setup({ net0: TRUSTED });
    await connect();
    qemu.commands.length = 0;
    for (let i = 0; i < 500; i++)
      qemu.event({ name: "net0", path: "/machine/peripheral/net0/virtio-backend" });
    await pump();
    expect(qemu.commands.length).toBeGreaterThanOrEqual(1);
    expect(qemu.commands.length).toBeLessThanOrEqual(2);
    expect(counters.snapshot().syncs).toBe(1 + qemu.commands.length);
  });

  it("counts a failed query, a malformed reply and an unreadable host, and changes nothing", async () => {
    const { qemu, host, pump, connect, counters } = await setup({ net0: TRUSTED });
    await connect();
    const before = host.log.length;
    const fire = async () => {
      qemu.event({ name: "net0", path: "/machine/peripheral/net0/virtio-backend" });
      await pump();
    };
    qemu.guest.set("net0", rxFilter("net0", { promiscuous: true }));
    qemu.failQuery = true;
    await fire();
    qemu.failQuery = false;
    qemu.reply = [{ name: "net0", promiscuous: "yes" }];
    await fire();
    qemu.reply = undefined;
    host.failReads(() => true);
    await fire();
    expect(counters.snapshot().syncsFailed).toBe(3);
    expect(host.log.length).toBe(before);
    host.failReads(undefined);
    await fire();
    expect(host.device("tap0").promisc).toBe(true);
  });
});

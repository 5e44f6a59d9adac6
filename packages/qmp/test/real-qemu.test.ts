import { NodeEventLoop } from "@virtevent/core";
import { afterEach, describe, expect, it } from "vitest";
import { connectQmp, isQmpError, type QmpCloseReason, type QmpMonitor } from "../src/index.js";
import { type QemuProcess, requireQemu, startQemu } from "../src/testing/index.js";
import { nextEvent, rxFilterInfoSchema, trayMovedSchema } from "./qemu-session.js";

// Real QEMU 7.2 (Debian's qemu-system-x86), TCG, paused (-S): no guest runs, QMP does.
describe.skipIf(!requireQemu())("QmpMonitor against real QEMU", () => {
  let qemu: QemuProcess | undefined;
  let loop: NodeEventLoop;
  let monitor: QmpMonitor | undefined;

  async function connect(): Promise<QmpMonitor> {
    qemu = await startQemu();
    loop = new NodeEventLoop();
    monitor = await connectQmp({ path: qemu.qmpPath }, { loop });
    return monitor;
  }

  afterEach(async () => {
    monitor?.close();
    monitor = undefined;
    await qemu?.kill();
    qemu = undefined;
    await loop?.close();
  });

  it("connects, negotiates and answers query-status", async () => {
    const m = await connect();
    expect(m.state).toBe("ready");
    expect(m.greeting?.version).toMatchObject({ major: 7, minor: 2 });
    expect(m.greeting?.capabilities).toContain("oob");
    await expect(m.execute("query-status")).resolves.toMatchObject({
      status: "prelaunch",
      running: false,
    });
    expect(m.counters.roundTrip.count).toBe(2);
  });

  it("blockdev-open-tray brings DEVICE_TRAY_MOVED with device, id and tray-open", async () => {
    const m = await connect();
    const seen: unknown[] = [];
    m.events.set("DEVICE_TRAY_MOVED", {
      schema: trayMovedSchema,
      onEvent: (data) => seen.push(data),
    });
    const event = nextEvent(m, "DEVICE_TRAY_MOVED");
    await expect(m.execute("blockdev-open-tray", { id: "cd0" })).resolves.toEqual({});
    const ev = await event;
    expect(ev.data).toEqual({ device: "", id: "cd0", "tray-open": true });
    expect(ev.timestamp?.seconds).toBeGreaterThan(1_600_000_000);
    expect(seen).toEqual([{ device: "", id: "cd0", "tray-open": true }]);
  });

  it("parses query-rx-filter of a virtio-net-pci NIC", async () => {
    const m = await connect();
    const reply = await m.execute("query-rx-filter", { name: "net0" });
    const [info] = rxFilterInfoSchema.array().length(1).parse(reply);
    expect(info.name).toBe("net0");
    expect(info["main-mac"]).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    // Until a guest driver sets a filter, virtio-net allows every VLAN: a ~25 KB reply.
    expect(info["vlan-table"]).toHaveLength(4096);
  });

  it("turns an unknown command into a typed CommandNotFound error", async () => {
    const m = await connect();
    const err = await m.execute("no-such-command").catch((e: unknown) => e);
    expect(isQmpError(err, "QMP_ERR_COMMAND")).toBe(true);
    expect(err).toMatchObject({ command: "no-such-command", errorClass: "CommandNotFound" });
    // The monitor is still usable afterwards.
    await expect(m.execute("query-status")).resolves.toBeDefined();
  });

  it("QEMU SIGKILLed with a command pending: close reason EOF, command rejected", async () => {
    const m = await connect();
    const reasons: QmpCloseReason[] = [];
    m.onClose((r) => reasons.push(r));
    const proc = qemu?.process;
    // Stopped, QEMU cannot answer: the command is surely pending when the kill lands.
    proc?.kill("SIGSTOP");
    const pending = m.execute("query-status").catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(m.inFlightCount).toBe(1);
    proc?.kill("SIGKILL");
    const err = await pending;
    expect(isQmpError(err, "QMP_ERR_MONITOR_CLOSED")).toBe(true);
    expect(reasons).toEqual([{ kind: "eof" }]);
    expect(m.state).toBe("closed");
    await expect(m.execute("query-status")).rejects.toSatisfy((e) =>
      isQmpError(e, "QMP_ERR_MONITOR_CLOSED"),
    );
  });
});

// RELIABILITY rows 1 (malformed lines), 4 (unknown events), 5 (bad event data) and 13-style
// listener containment, against the FakeQmpServer on both loops.
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineQmpEvent, isQmpError, type QmpEvent, type QmpProtocolError } from "../src/index.js";
import { type Rig, startRig, warnings } from "./harness.js";
import { harnesses } from "./loops.js";
import { rxFilterChangedSchema, trayMovedSchema } from "./qemu-session.js";

describe.each(harnesses)("garbage and events on the $name loop", (harness) => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
  });

  it("row 1: drops malformed lines with a warning and a counter; later lines and commands go on", async () => {
    rig = await startRig(harness);
    const { server, monitor } = rig;
    const events: QmpEvent[] = [];
    const protocolErrors: QmpProtocolError[] = [];
    monitor.onEvent((e) => events.push(e));
    monitor.onProtocolError((e) => protocolErrors.push(e));
    const status = server.expect("query-status");
    const pending = monitor.execute("query-status");
    await rig.run(status.received);
    server.writeRaw("{]\r\n");
    server.writeRaw(Buffer.from([0xff, 0xfe, 0x0d, 0x0a]));
    server.writeRaw('null\r\n[]\n"x"\r\n');
    server.emitEvent("RESUME");
    status.respond({ return: { status: "running", running: true } });
    await expect(rig.run(pending)).resolves.toEqual({ status: "running", running: true });
    await rig.until(() => events.length === 1);
    expect(events.map((e) => e.name)).toEqual(["RESUME"]);
    expect(monitor.counters.dropped.get("malformed")).toBe(2);
    expect(monitor.counters.dropped.get("invalid")).toBe(3);
    expect(monitor.counters.protocolErrors).toBe(5);
    expect(protocolErrors).toHaveLength(5);
    expect(protocolErrors.every((e) => isQmpError(e, "QMP_ERR_PROTOCOL"))).toBe(true);
    expect(warnings(rig.records)).toHaveLength(5);
    expect(monitor.state).toBe("ready");
    server.verify();
  });

  it("row 4: an unknown event is counted and reaches wildcard listeners only", async () => {
    rig = await startRig(harness);
    const { server, monitor } = rig;
    const entryCalls: unknown[] = [];
    monitor.events.set(
      "DEVICE_TRAY_MOVED",
      defineQmpEvent(trayMovedSchema, (d) => entryCalls.push(d)),
    );
    const seen: QmpEvent[] = [];
    monitor.onEvent((e) => seen.push(e));
    server.emitEvent("FUTURE_EVENT", { "new-field": [1, 2] }, { seconds: 10, microseconds: 5 });
    await rig.until(() => seen.length === 1);
    expect(seen).toEqual([
      {
        name: "FUTURE_EVENT",
        data: { "new-field": [1, 2] },
        timestamp: { seconds: 10, microseconds: 5 },
      },
    ]);
    expect(entryCalls).toEqual([]);
    expect(monitor.counters.unknownEvents).toBe(1);
    expect(monitor.counters.eventsByName.get("FUTURE_EVENT")).toBe(1);
    expect(monitor.counters.protocolErrors).toBe(0);
    expect(warnings(rig.records)).toEqual([]);
  });

  // Row 5, table-driven over the events of the two plugins.
  const badData: Array<[string, z.ZodType, unknown, string]> = [
    ["DEVICE_TRAY_MOVED", trayMovedSchema, { device: "", "tray-open": true }, "id missing"],
    [
      "DEVICE_TRAY_MOVED",
      trayMovedSchema,
      { device: "", id: "cd0", "tray-open": "yes" },
      "tray-open not a boolean",
    ],
    ["DEVICE_TRAY_MOVED", trayMovedSchema, undefined, "data absent"],
    ["DEVICE_TRAY_MOVED", trayMovedSchema, "cd0", "data a string"],
    ["DEVICE_TRAY_MOVED", trayMovedSchema, [1], "data an array"],
    ["NIC_RX_FILTER_CHANGED", rxFilterChangedSchema, { name: "net0" }, "path missing"],
    [
      "NIC_RX_FILTER_CHANGED",
      rxFilterChangedSchema,
      { name: 7, path: "/machine/peripheral/net0" },
      "name not a string",
    ],
    ["NIC_RX_FILTER_CHANGED", rxFilterChangedSchema, undefined, "data absent"],
    ["NIC_RX_FILTER_CHANGED", rxFilterChangedSchema, null, "data null"],
  ];
  const goodData: Record<string, unknown> = {
    DEVICE_TRAY_MOVED: { device: "", id: "cd0", "tray-open": true },
    NIC_RX_FILTER_CHANGED: { name: "net0", path: "/machine/peripheral/net0/virtio-backend" },
  };

  it.each(badData)(
    "row 5: %s with %#: dropped once with one warning (%s)",
    async (name, schema, data) => {
      rig = await startRig(harness);
      const { server, monitor } = rig;
      const delivered: unknown[] = [];
      monitor.events.set(
        name,
        defineQmpEvent(schema, (d) => delivered.push(d)),
      );
      let wildcardSeen = 0;
      monitor.onEvent(() => wildcardSeen++);
      server.writeRaw(
        `${JSON.stringify(data === undefined ? { event: name } : { event: name, data })}\r\n`,
      );
      server.emitEvent(name, goodData[name]);
      await rig.until(() => delivered.length === 1);
      expect(delivered).toEqual([schema.parse(goodData[name])]);
      expect(wildcardSeen).toBe(2);
      expect(monitor.counters.dropped.get("event-schema")).toBe(1);
      const warned = warnings(rig.records);
      expect(warned).toHaveLength(1);
      expect(warned[0].event).toBe(name);
      expect(monitor.state).toBe("ready");
    },
  );

  it("a throwing wildcard listener, table entry or schema never breaks the reader", async () => {
    rig = await startRig(harness);
    const { server, monitor } = rig;
    monitor.onEvent(() => {
      throw new Error("wildcard bug");
    });
    monitor.events.set(
      "STOP",
      defineQmpEvent(z.unknown(), () => {
        throw new Error("entry bug");
      }),
    );
    monitor.events.set(
      "RESUME",
      defineQmpEvent(
        z.unknown().refine(() => {
          throw new Error("schema bug");
        }),
        () => {},
      ),
    );
    const after: string[] = [];
    monitor.onEvent((e) => after.push(e.name));
    server.emitEvent("STOP");
    server.emitEvent("RESUME");
    server.expect("query-status", { return: { running: true } });
    await expect(rig.run(monitor.execute("query-status"))).resolves.toEqual({ running: true });
    await rig.until(() => after.length === 2);
    expect(after).toEqual(["STOP", "RESUME"]);
    expect(monitor.counters.listenerErrors).toBe(4);
  });
});

import { z } from "zod";
import type { QmpEvent, QmpMonitor } from "../src/index.js";

/** QEMU 7.2's DEVICE_TRAY_MOVED data, as the tray plugin will read it. */
export const trayMovedSchema = z.object({
  device: z.string(),
  id: z.string(),
  "tray-open": z.boolean(),
});

/** QEMU 7.2's NIC_RX_FILTER_CHANGED data, as the nic-rx-filter plugin will read it. */
export const rxFilterChangedSchema = z.object({ name: z.string().optional(), path: z.string() });

const rxMode = z.enum(["normal", "none", "all"]);

/** One RxFilterInfo of `query-rx-filter`. */
export const rxFilterInfoSchema = z.object({
  name: z.string(),
  promiscuous: z.boolean(),
  multicast: rxMode,
  unicast: rxMode,
  vlan: rxMode,
  "broadcast-allowed": z.boolean(),
  "multicast-overflow": z.boolean(),
  "unicast-overflow": z.boolean(),
  "main-mac": z.string(),
  "vlan-table": z.array(z.number()),
  "unicast-table": z.array(z.string()),
  "multicast-table": z.array(z.string()),
});

/** Waits for the next event named `name` on `monitor`. */
export function nextEvent(monitor: QmpMonitor, name: string): Promise<QmpEvent> {
  return new Promise((resolve) => {
    const sub = monitor.onEvent((ev) => {
      if (ev.name !== name) return;
      sub.dispose();
      resolve(ev);
    });
  });
}

/** What {@link runSession} observed, with the values that change between runs left out. */
export interface SessionSummary {
  status: unknown;
  trayOpened: unknown;
  trayClosed: unknown;
  trayOpenInQueryBlock: unknown;
  rxFilters: z.output<typeof rxFilterInfoSchema>[];
  unknownCommand: { errorClass: unknown; code: unknown };
}

/**
 * The session recorded into test/fixtures/qemu-7.2-session.jsonl and replayed from it: status,
 * tray open/close with their events, query-block, query-rx-filter, an unknown command.
 */
export async function runSession(monitor: QmpMonitor): Promise<SessionSummary> {
  const status = await monitor.execute("query-status");
  const opened = nextEvent(monitor, "DEVICE_TRAY_MOVED");
  await monitor.execute("blockdev-open-tray", { id: "cd0" });
  const trayOpened = (await opened).data;
  const closed = nextEvent(monitor, "DEVICE_TRAY_MOVED");
  await monitor.execute("blockdev-close-tray", { id: "cd0" });
  const trayClosed = (await closed).data;
  const blocks = z
    .array(z.looseObject({ qdev: z.string().optional(), tray_open: z.boolean().optional() }))
    .parse(await monitor.execute("query-block"));
  const rxFilters = z.array(rxFilterInfoSchema).parse(await monitor.execute("query-rx-filter"));
  const unknownCommand = await monitor.execute("no-such-command").then(
    () => ({ errorClass: undefined, code: undefined }),
    (e: { errorClass?: unknown; code?: unknown }) => ({ errorClass: e.errorClass, code: e.code }),
  );
  return {
    status,
    trayOpened,
    trayClosed,
    trayOpenInQueryBlock: blocks.find((b) => b.qdev?.includes("cd0"))?.tray_open,
    rxFilters,
    unknownCommand,
  };
}

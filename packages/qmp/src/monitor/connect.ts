import { createConnection, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { QmpMonitorOptions } from "./monitor-options.js";
import { QmpMonitor } from "./qmp-monitor.js";

/** Where a QMP server listens: a unix socket path, or a TCP host and port. */
export type QmpTarget = { path: string } | { host: string; port: number };

/**
 * Opens a socket to `target` without waiting for it to connect (a connect failure surfaces as
 * a stream error, which the monitor turns into `QMP_ERR_IO`).
 */
export function openQmpSocket(target: QmpTarget): Socket {
  return "path" in target
    ? createConnection({ path: target.path })
    : createConnection({ host: target.host, port: target.port });
}

/**
 * Connects to a QMP server and resolves with a ready monitor (greeting received, capabilities
 * negotiated). Rejects with `QMP_ERR_IO` (refused, no such socket), `QMP_ERR_CONNECT_TIMEOUT`,
 * `QMP_ERR_BAD_GREETING`, `QMP_ERR_NEGOTIATION` or `QMP_ERR_MONITOR_CLOSED` (EOF first); the
 * socket is closed then. Pass `onEvent` / `events` in options to see events from the start.
 *
 * @example
 * const monitor = await connectQmp({ path: "/run/vm1/qmp.sock" }, { loop, events: table });
 */
export async function connectQmp(
  target: QmpTarget,
  options: QmpMonitorOptions,
): Promise<QmpMonitor> {
  return attachQmp(openQmpSocket(target), options);
}

/**
 * Attaches a monitor to any paused-mode Duplex (a socket, or one end of `createDuplexPair()` on
 * a `ManualEventLoop`) and resolves once it is ready; rejects as {@link connectQmp} does.
 */
export async function attachQmp(stream: Duplex, options: QmpMonitorOptions): Promise<QmpMonitor> {
  const monitor = new QmpMonitor(stream, options);
  await monitor.ready;
  return monitor;
}

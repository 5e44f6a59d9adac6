import type { Daemon } from "@virtevent/core";
import { DomainMonitor } from "@virtevent/qmp";

/** Longest a domain monitor may take to connect to a running QEMU. */
export const MONITOR_CONNECT_TIMEOUT_MS = 15_000;

/**
 * Starts the qmp package's DomainMonitor for a domain (the bridge a daemon uses: plugin event
 * table, command channel, connect hooks) and resolves once it is connected. Close it with
 * `close()`: QEMU keeps running and its QMP socket accepts the next monitor.
 */
export async function connectDomainMonitor(
  daemon: Daemon,
  uuid: string,
  qmpPath: string,
): Promise<DomainMonitor> {
  const monitor = new DomainMonitor({ daemon, uuid, target: { path: qmpPath } });
  const connected = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`the domain monitor did not connect to ${qmpPath}`));
    }, MONITOR_CONNECT_TIMEOUT_MS);
    const stop = monitor.onDidChangeStatus((status) => {
      if (status !== "connected" && status !== "gone") return;
      clearTimeout(timer);
      stop();
      if (status === "connected") resolve();
      else reject(new Error(`QEMU is gone: no QMP at ${qmpPath}`));
    });
  });
  monitor.start();
  try {
    await connected;
  } catch (e) {
    monitor.close();
    throw e;
  }
  return monitor;
}

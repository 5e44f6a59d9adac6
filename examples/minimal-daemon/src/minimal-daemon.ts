import { createDaemon, type Daemon, type Domain, type Logger } from "@virtevent/core";
import { TrayChange, type TrayChangeData, trayPlugin } from "@virtevent/plugin-tray";
import { DomainMonitor } from "@virtevent/qmp";

/** One TRAY_CHANGE, as the minimal daemon reports it. */
export interface MinimalDaemonEvent extends TrayChangeData {
  /** The domain's name. */
  readonly domain: string;
}

/** Options of {@link startMinimalDaemon}. */
export interface MinimalDaemonOptions {
  /** The QEMU monitor socket to attach to (`-qmp unix:PATH,server=on,wait=off`). */
  qmpPath: string;
  /** The domain's name (default `vm1`). */
  domainName?: string;
  /** Called with every TRAY_CHANGE, on the loop turn after it was queued. */
  onEvent: (event: MinimalDaemonEvent) => void;
  /** Structured logs (default: silent). */
  logger?: Logger;
}

/** A running minimal daemon. */
export interface MinimalDaemon {
  readonly daemon: Daemon;
  /** The one domain it watches. */
  readonly domain: Domain;
  /** The link between the domain's QEMU monitor and the daemon (reconnects by itself). */
  readonly monitor: DomainMonitor;
  /** Detaches from QEMU (which keeps running) and closes the daemon. */
  close(): Promise<void>;
}

/**
 * A management daemon in a few lines: core's daemon with the tray plugin, one domain, its
 * QEMU monitor attached through qmp's DomainMonitor, and a `registerAny` subscriber for
 * TRAY_CHANGE. Everything between QEMU's DEVICE_TRAY_MOVED and `onEvent` — validation, the
 * monitor callback, the worker in the domain's lane, the resync on (re)connect — is the
 * plugin's and core's.
 *
 * @example
 * const md = await startMinimalDaemon({ qmpPath: "/run/vm1.qmp", onEvent: (e) => log(e) });
 * // ... later
 * await md.close();
 */
export async function startMinimalDaemon(options: MinimalDaemonOptions): Promise<MinimalDaemon> {
  const daemon = createDaemon({ plugins: [trayPlugin], logger: options.logger });
  await daemon.start();
  daemon.events.registerAny({
    event: TrayChange,
    callback: (domain, data) => options.onEvent({ domain: domain.name, ...data }),
  });
  const domain = daemon.domains.define({ name: options.domainName ?? "vm1" });
  const monitor = new DomainMonitor({
    daemon,
    uuid: domain.uuid,
    target: { path: options.qmpPath },
  });
  monitor.start();
  return {
    daemon,
    domain,
    monitor,
    async close() {
      monitor.close();
      await daemon.close();
    },
  };
}

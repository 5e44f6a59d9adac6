import type { Daemon, JsonValue, Logger } from "@virtevent/core";
import { DomainMonitor } from "@virtevent/qmp";
import type { DomainConfig } from "../config/config-schema.js";
import { isQemuAlive, type LaunchedQemu, launchQemu, stopQemu } from "../qemu/qemu-launcher.js";
import { uuidFromName } from "./domain-identity.js";

/** State-store key of a launched domain's QEMU (pid and QMP socket), kept across restarts. */
export const LAUNCH_RECORD_KEY = "virteventd.launch";

/** Device state records the daemon defines from the configuration. */
export function deviceRecords(config: DomainConfig): Record<string, Record<string, JsonValue>> {
  const devices: Record<string, Record<string, JsonValue>> = {};
  for (const d of config.devices.disks) devices[d.alias] = { kind: "disk" };
  for (const n of config.devices.nics) {
    devices[n.alias] = {
      kind: "nic",
      hostInterface: n.hostInterface,
      trustGuestRxFilters: n.trustGuestRxFilters,
      ...(n.mac ? { mac: n.mac } : {}),
    };
  }
  return devices;
}

/**
 * One configured domain inside virteventd: defined in the registry, attached to an existing
 * QMP socket or launched (and re-attached after a daemon restart when its QEMU still runs),
 * kept connected by a {@link DomainMonitor}.
 */
export class ManagedDomain {
  readonly uuid: string;
  private link: DomainMonitor | undefined;
  private qemu: LaunchedQemu | undefined;

  private current: DomainConfig;

  constructor(
    config: DomainConfig,
    private readonly daemon: Daemon,
    private readonly runDir: string,
    private readonly logger: Logger,
  ) {
    this.current = config;
    this.uuid = config.uuid ?? uuidFromName(config.name);
  }

  /** The domain's configuration (the latest reloaded one). */
  get config(): DomainConfig {
    return this.current;
  }

  /** True for a domain whose QEMU the daemon starts and stops. */
  get launched(): boolean {
    return this.config.launch !== undefined;
  }

  /** The live monitor's counters, while connected. */
  counters() {
    return this.link?.monitor?.snapshotCounters();
  }

  /** The monitor link's status, for `domains.list`. */
  get monitorStatus(): string {
    return this.link?.status ?? "idle";
  }

  /** Defines the domain and brings its monitor up (launching QEMU when configured so). */
  async start(): Promise<void> {
    const devices = deviceRecords(this.config);
    this.daemon.domains.define({ uuid: this.uuid, name: this.config.name });
    for (const [alias, record] of Object.entries(devices))
      this.daemon.domains.updateDevice(this.uuid, alias, record);
    if (this.config.qmp !== undefined) {
      this.connect(this.config.qmp, undefined);
      return;
    }
    const record = this.daemon.stateStore.get(this.uuid, LAUNCH_RECORD_KEY) as
      | { pid: number; qmpPath: string; logPath: string }
      | undefined;
    if (record && isQemuAlive(record.pid, record.qmpPath)) {
      this.logger.info(
        { domain: this.config.name, pid: record.pid },
        "QEMU still runs: re-attaching",
      );
      this.qemu = record;
      this.connect(record.qmpPath, record);
      return;
    }
    if (record) {
      // It ran before and died while nobody watched: report it stopped, do not restart it
      // behind the admin's back (`virtevent start` or the API's domains.start does that).
      this.logger.warn(
        { domain: this.config.name, pid: record.pid },
        "QEMU died while the daemon was down: domain stopped",
      );
      this.daemon.domains.markStarted(this.uuid);
      this.daemon.domains.markStopped(this.uuid, "crashed");
      await this.daemon.stateStore.delete(this.uuid, LAUNCH_RECORD_KEY);
      return;
    }
    await this.launch();
  }

  /** Starts QEMU for a launched domain that is not running. */
  async launch(): Promise<void> {
    const launch = this.config.launch;
    if (!launch)
      throw new Error(
        `domain ${this.config.name} is attached, not launched: the daemon cannot start it`,
      );
    if (this.qemu && isQemuAlive(this.qemu.pid, this.qemu.qmpPath)) return;
    this.link?.close();
    const qemu = await launchQemu({
      name: this.config.name,
      binary: launch.binary,
      args: launch.args,
      runDir: this.runDir,
    });
    this.qemu = qemu;
    await this.daemon.stateStore.set(this.uuid, LAUNCH_RECORD_KEY, { ...qemu });
    this.logger.info({ domain: this.config.name, pid: qemu.pid }, "QEMU launched");
    this.connect(qemu.qmpPath, qemu);
  }

  /** Stops a launched domain's QEMU (LIFECYCLE stopped { destroyed }). */
  async stop(): Promise<void> {
    const qemu = this.qemu;
    if (!qemu)
      throw new Error(
        `domain ${this.config.name} is attached, not launched: the daemon cannot stop it`,
      );
    this.link?.close();
    this.link = undefined;
    await stopQemu(qemu);
    this.daemon.bridge.domainDisconnected(this.uuid, { reason: "destroyed" });
    await this.daemon.stateStore.delete(this.uuid, LAUNCH_RECORD_KEY);
  }

  /** Drops the monitor link (QEMU keeps running) and, with `remove`, the domain itself. */
  close(remove = false): void {
    this.link?.close();
    this.link = undefined;
    if (remove) this.daemon.domains.remove(this.uuid);
  }

  /** Re-applies device records from a reloaded configuration; returns the aliases changed. */
  updateDevices(next: DomainConfig): string[] {
    const changed: string[] = [];
    const before = deviceRecords(this.config);
    const after = deviceRecords(next);
    for (const [alias, record] of Object.entries(after)) {
      if (JSON.stringify(before[alias]) !== JSON.stringify(record)) {
        this.daemon.domains.updateDevice(this.uuid, alias, record);
        changed.push(alias);
      }
    }
    for (const alias of Object.keys(before)) {
      if (!(alias in after)) {
        this.daemon.domains.removeDevice(this.uuid, alias);
        changed.push(alias);
      }
    }
    this.current = next;
    return changed;
  }

  private connect(qmpPath: string, qemu: LaunchedQemu | undefined): void {
    this.link?.close();
    this.link = new DomainMonitor({
      daemon: this.daemon,
      uuid: this.uuid,
      target: { path: qmpPath },
      isAlive: qemu ? () => isQemuAlive(qemu.pid, qemu.qmpPath) : undefined,
    });
    this.link.start();
  }
}

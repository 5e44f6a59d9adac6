import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pollUntil } from "./exec.js";
import { onExitCleanup } from "./exit-cleanup.js";
import { GUEST_BOOT_TIMEOUT_MS, GuestConsole } from "./guest-console.js";
import type { NetNamespace } from "./netns.js";
import type { GuestImage } from "./prerequisites.js";
import { RawQmpClient } from "./raw-qmp.js";

/** Longest QEMU may take to create its sockets after being spawned. */
export const QEMU_START_TIMEOUT_MS = 15_000;
/** Longest QEMU may take to exit after SIGTERM before it gets SIGKILL. */
export const QEMU_STOP_TIMEOUT_MS = 5_000;
/** QEMU stderr kept for failure messages. */
export const MAX_QEMU_STDERR_CHARS = 16 * 1024;

/**
 * The host side of the guest's NIC: a tap QEMU opens by name, or an already open file
 * descriptor (a macvtap's /dev/tapN), handed to QEMU as its fd 3.
 */
export type GuestNetdev = { tap: string } | { fd: number };

/** How to start the test guest. */
export interface GuestVmOptions {
  /** The namespace QEMU runs in (the host device must be there). */
  netns: NetNamespace;
  netdev: GuestNetdev;
  image: GuestImage;
  /** qdev id of the virtio-net-pci NIC; default `net0`. */
  nicId?: string;
  /** The NIC's MAC at power-on; QEMU's default otherwise. */
  mac?: string;
}

function netdevArg(netdev: GuestNetdev): string {
  if ("fd" in netdev) return "tap,id=n0,fd=3"; // the fourth stdio entry of the spawn
  return `tap,id=n0,ifname=${netdev.tap},script=no,downscript=no`;
}

/**
 * QEMU (TCG) running the test guest inside a test's namespace, with the serial console and two
 * QMP monitors on unix sockets: `qmpPath` is left free for the code under test (a daemon), the
 * other is the test's own `control` client (resume, queries, events). QEMU starts paused (-S)
 * so the console is connected before the guest prints anything; `launch` resumes it and returns
 * once the guest agent listens. Always `dispose()`.
 */
export class GuestVm {
  private stderr = "";
  private exitedWith: string | undefined;
  private readonly exited: Promise<void>;
  private readonly forgetExitCleanup: () => void;
  private consoleConnection: GuestConsole | undefined;
  private controlConnection: RawQmpClient | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    /** The QMP socket for the code under test (QEMU serves one client per socket). */
    readonly qmpPath: string,
    private readonly controlPath: string,
    readonly serialPath: string,
    /** qdev id of the NIC. */
    readonly nicId: string,
  ) {
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-MAX_QEMU_STDERR_CHARS);
    });
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitedWith = signal ?? `exit code ${code}`;
        resolve();
      });
    });
    const pid = child.pid;
    this.forgetExitCleanup = onExitCleanup(() => {
      if (pid !== undefined) process.kill(pid, "SIGKILL");
    });
  }

  /** Starts QEMU in the namespace, boots the guest and waits for its agent. */
  static async launch(options: GuestVmOptions): Promise<GuestVm> {
    const dir = await mkdtemp(join(tmpdir(), "vent-vm-"));
    const nicId = options.nicId ?? "net0";
    const qmpPath = join(dir, "qmp.sock");
    const serialPath = join(dir, "serial.sock");
    const controlPath = join(dir, "control.sock");
    const nic = [`virtio-net-pci,netdev=n0,id=${nicId}`, options.mac ? `mac=${options.mac}` : ""];
    const args = [
      ...["netns", "exec", options.netns.name, "qemu-system-x86_64"],
      ...["-accel", "tcg", "-m", "256", "-smp", "1", "-nodefaults", "-no-user-config"],
      ...["-display", "none", "-no-reboot", "-S"],
      ...["-kernel", options.image.kernel, "-initrd", options.image.initrd],
      ...["-append", "console=ttyS0 quiet loglevel=3 panic=-1"],
      ...["-netdev", netdevArg(options.netdev)],
      ...["-device", nic.filter((part) => part !== "").join(",")],
      ...["-qmp", `unix:${qmpPath},server=on,wait=off`],
      ...["-qmp", `unix:${controlPath},server=on,wait=off`],
      ...["-serial", `unix:${serialPath},server=on,wait=off`],
    ];
    const stdio: Array<"ignore" | "pipe" | number> = ["ignore", "ignore", "pipe"];
    if ("fd" in options.netdev) stdio.push(options.netdev.fd);
    const child = spawn("ip", args, { stdio });
    const vm = new GuestVm(child, dir, qmpPath, controlPath, serialPath, nicId);
    try {
      await vm.start();
      return vm;
    } catch (e) {
      const detail = vm.diagnostics();
      await vm.dispose();
      throw new Error(`the test guest did not start: ${String(e)}\n${detail}`, { cause: e });
    }
  }

  /** The guest's serial console (connected for the VM's whole life). */
  get console(): GuestConsole {
    if (!this.consoleConnection) throw new Error("the guest VM is not started");
    return this.consoleConnection;
  }

  /** The test's own QMP client, connected for the VM's whole life; it records every event. */
  get control(): RawQmpClient {
    if (!this.controlConnection) throw new Error("the guest VM is not started");
    return this.controlConnection;
  }

  /** True once QEMU has exited. */
  get hasExited(): boolean {
    return this.exitedWith !== undefined;
  }

  /** Opens a QMP client on `qmpPath` (close it before another client, such as a daemon, connects). */
  qmp(): Promise<RawQmpClient> {
    return RawQmpClient.connect(this.qmpPath);
  }

  /** QEMU's stderr and the console transcript, for failure messages. */
  diagnostics(): string {
    const exit = this.exitedWith ? `QEMU exited: ${this.exitedWith}\n` : "";
    const transcript = this.consoleConnection?.transcript.slice(-4000) ?? "";
    return `${exit}--- QEMU stderr ---\n${this.stderr}\n--- guest console ---\n${transcript}`;
  }

  /** Stops QEMU (SIGTERM, then SIGKILL), waits for it to exit, removes the sockets. */
  async dispose(): Promise<void> {
    this.consoleConnection?.close();
    await this.controlConnection?.close();
    if (!this.hasExited) {
      this.child.kill("SIGTERM");
      const stopped = await Promise.race([
        this.exited.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), QEMU_STOP_TIMEOUT_MS)),
      ]);
      if (!stopped) this.child.kill("SIGKILL");
      await this.exited;
    }
    this.forgetExitCleanup();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async start(): Promise<void> {
    await pollUntil(
      "QEMU's sockets",
      () => {
        if (this.hasExited) throw new Error("QEMU exited during start-up");
        const paths = [this.qmpPath, this.controlPath, this.serialPath];
        return paths.every((p) => existsSync(p)) ? true : undefined;
      },
      QEMU_START_TIMEOUT_MS,
    );
    this.consoleConnection = await GuestConsole.connect(this.serialPath);
    this.controlConnection = await RawQmpClient.connect(this.controlPath);
    await this.controlConnection.execute("cont");
    const died = this.exited.then(() => {
      throw new Error("QEMU exited while the guest booted");
    });
    died.catch(() => undefined); // only the race below observes it
    await Promise.race([this.console.waitReady(GUEST_BOOT_TIMEOUT_MS), died]);
  }
}

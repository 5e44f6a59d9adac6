import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Env var naming the QEMU binary (default `qemu-system-x86_64` from PATH). */
export const QEMU_BINARY_ENV = "VIRTEVENT_QEMU_BINARY";
/** Env var that turns "QEMU absent → skip" into a failure (set by CI). */
export const REQUIRE_QEMU_ENV = "VIRTEVENT_REQUIRE_QEMU";
/** How long `startQemu` waits for the QMP socket to appear, ms. */
export const QEMU_START_TIMEOUT_MS = 15_000;

/**
 * The devices every test QEMU gets unless `defaultDevices: false`: an IDE CD-ROM `cd0` (for
 * DEVICE_TRAY_MOVED) and a virtio-net NIC `net0` on user networking (for query-rx-filter).
 */
export const DEFAULT_QEMU_DEVICES: readonly string[] = [
  "-device",
  "ide-cd,id=cd0,bus=ide.0",
  "-netdev",
  "user,id=n0",
  "-device",
  "virtio-net-pci,netdev=n0,id=net0",
];

/** Options of {@link startQemu}. */
export interface StartQemuOptions {
  /** Arguments appended to the command line (more devices, `-name`, ...). */
  extraArgs?: readonly string[];
  /** Add {@link DEFAULT_QEMU_DEVICES} (default true). */
  defaultDevices?: boolean;
}

/** A QEMU started by {@link startQemu}. */
export interface QemuProcess {
  /** Path of its QMP unix socket (server=on, wait=off: connect when you like). */
  readonly qmpPath: string;
  readonly process: ChildProcess;
  /** What QEMU wrote on stderr so far (for failure messages). */
  stderr(): string;
  /** SIGKILLs QEMU (if still running), waits for it to exit, removes its directory. */
  kill(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** The QEMU binary tests use. */
export function qemuBinary(): string {
  return process.env[QEMU_BINARY_ENV] ?? "qemu-system-x86_64";
}

/** True when the QEMU binary runs (`--version`). */
export function qemuAvailable(): boolean {
  try {
    execFileSync(qemuBinary(), ["--version"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether real-QEMU tests can run: true when QEMU is there; false when it is not (skip them);
 * throws when it is not and `VIRTEVENT_REQUIRE_QEMU=1` (CI must not skip them silently).
 *
 * @example
 * describe.skipIf(!requireQemu())("against real QEMU", () => { ... });
 */
export function requireQemu(): boolean {
  if (qemuAvailable()) return true;
  if (process.env[REQUIRE_QEMU_ENV] === "1") {
    throw new Error(`${REQUIRE_QEMU_ENV}=1 but ${qemuBinary()} does not run`);
  }
  return false;
}

/**
 * Starts `qemu-system-x86_64 -M q35 -nodefaults -display none -S -accel tcg` with a QMP unix
 * socket in a fresh temporary directory and resolves once the socket accepts connections. Always `kill()`
 * it in `afterEach`/`afterAll`; as a safety net every QEMU still running is SIGKILLed when the
 * test process exits.
 */
export async function startQemu(options: StartQemuOptions = {}): Promise<QemuProcess> {
  const dir = mkdtempSync(join(tmpdir(), "virtevent-qemu-"));
  const qmpPath = join(dir, "qmp.sock");
  const args = [
    ...["-M", "q35", "-nodefaults", "-display", "none", "-S", "-accel", "tcg"],
    ...["-qmp", `unix:${qmpPath},server=on,wait=off`],
    ...(options.defaultDevices === false ? [] : DEFAULT_QEMU_DEVICES),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(qemuBinary(), args, { stdio: ["ignore", "ignore", "pipe"] });
  installExitHook();
  live.add(child);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      live.delete(child);
      resolve();
    });
    child.once("error", (e) => {
      stderr += String(e);
      live.delete(child);
      resolve();
    });
  });
  const proc: QemuProcess = {
    qmpPath,
    process: child,
    stderr: () => stderr,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + QEMU_START_TIMEOUT_MS;
  // The socket file exists once bound, a moment before QEMU listens on it: wait until a probe
  // connection is accepted (QEMU then serves the next client as usual).
  while (!(existsSync(qmpPath) && (await accepts(qmpPath)))) {
    if (!live.has(child) || Date.now() > deadline) {
      await proc.kill();
      throw new Error(`QEMU did not open its QMP socket (${args.join(" ")}): ${stderr}`);
    }
    await new Promise<void>((resolve) => setTimeout(resolve, 10));
  }
  return proc;
}

/** True when a connection to the unix socket `path` is accepted; the probe is closed at once. */
function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection({ path });
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => {
      probe.destroy();
      resolve(false);
    });
  });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of live) child.kill("SIGKILL");
  });
}

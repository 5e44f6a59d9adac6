import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { lstat, mkdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { DaemonError } from "../daemon-error.js";

/** How long a launched QEMU may take to create its QMP socket. */
export const QEMU_START_TIMEOUT_MS = 15_000;
/** How long a stopping QEMU gets after SIGTERM before SIGKILL. */
export const QEMU_STOP_GRACE_MS = 5_000;
const POLL_MS = 20;

/** A QEMU process the daemon launched (this run or an earlier one). */
export interface LaunchedQemu {
  pid: number;
  qmpPath: string;
  logPath: string;
}

/** QEMU could not be started or stopped. */
export class QemuLaunchError extends DaemonError {
  constructor(
    readonly domain: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super("DAEMON_ERR_QEMU_LAUNCH", `domain ${domain}: ${message}`, options);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * True when `pid` is a live process whose command line names `qmpPath` (so a recycled pid is
 * not mistaken for our QEMU, and a zombie — empty cmdline — counts as gone).
 */
export function isQemuAlive(pid: number, qmpPath: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(qmpPath);
  } catch {
    return false;
  }
}

/**
 * Starts QEMU for domain `name`, detached so it outlives a daemon restart (as libvirt's
 * domains do), with its own QMP socket in `runDir` and its output in `runDir/NAME.log`.
 * Resolves once the QMP socket exists; rejects with the log's tail if QEMU exits first.
 */
export async function launchQemu(spec: {
  name: string;
  binary: string;
  args: readonly string[];
  runDir: string;
}): Promise<LaunchedQemu> {
  await mkdir(spec.runDir, { recursive: true, mode: 0o700 });
  const qmpPath = join(spec.runDir, `${spec.name}.qmp`);
  const logPath = join(spec.runDir, `${spec.name}.log`);
  await unlink(qmpPath).catch(() => {});
  const logFd = openSync(logPath, "w", 0o600);
  const args = [...spec.args, "-name", spec.name, "-qmp", `unix:${qmpPath},server=on,wait=off`];
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const child = spawn(spec.binary, args, { detached: true, stdio: ["ignore", logFd, logFd] });
  closeSync(logFd);
  child.on("error", (e) => {
    spawnError = e;
  });
  child.on("exit", (code, signal) => {
    exited = { code, signal };
  });
  child.unref();
  const deadline = Date.now() + QEMU_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (spawnError)
      throw new QemuLaunchError(spec.name, `cannot run ${spec.binary}: ${spawnError.message}`);
    if (exited) {
      const log = await readFile(logPath, "utf8").catch(() => "");
      throw new QemuLaunchError(
        spec.name,
        `QEMU exited (${exited.signal ?? `code ${exited.code}`}) before its monitor was ready: ${log.trim().slice(-500)}`,
      );
    }
    const st = await lstat(qmpPath).catch(() => undefined);
    if (st?.isSocket() && child.pid !== undefined) return { pid: child.pid, qmpPath, logPath };
    await sleep(POLL_MS);
  }
  if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
  throw new QemuLaunchError(
    spec.name,
    `QEMU did not create ${qmpPath} within ${QEMU_START_TIMEOUT_MS} ms`,
  );
}

/**
 * Stops a launched QEMU: SIGTERM (QEMU shuts the machine down as "host signal"), then SIGKILL
 * after `graceMs`. Resolves once it is gone.
 */
export async function stopQemu(qemu: LaunchedQemu, graceMs = QEMU_STOP_GRACE_MS): Promise<void> {
  if (!isQemuAlive(qemu.pid, qemu.qmpPath)) return;
  process.kill(qemu.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isQemuAlive(qemu.pid, qemu.qmpPath)) return;
    await sleep(POLL_MS);
  }
  try {
    process.kill(qemu.pid, "SIGKILL");
  } catch {
    return;
  }
  while (isQemuAlive(qemu.pid, qemu.qmpPath)) await sleep(POLL_MS);
}

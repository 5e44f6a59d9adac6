import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { connect } from "node:net";
import { join } from "node:path";
import { killOnExit } from "./child.js";

/** True when `qemu-system-x86_64` can be run (the latency workload is skipped otherwise). */
export function haveQemu(): boolean {
  return spawnSync("qemu-system-x86_64", ["--version"], { stdio: "ignore" }).status === 0;
}

/** A QEMU with several QMP sockets (one per client that must not share a monitor). */
export interface BenchQemu {
  process: ChildProcess;
  sockets: Record<string, string>;
  stop(): Promise<void>;
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/**
 * Starts `qemu-system-x86_64 -M q35 -nodefaults -display none -S -accel tcg` with an IDE CD
 * `cd0` and one QMP socket per name in `monitors` (QEMU sends every event to every monitor).
 */
export async function startBenchQemu(dir: string, monitors: readonly string[]): Promise<BenchQemu> {
  const sockets = Object.fromEntries(monitors.map((m) => [m, join(dir, `${m}.qmp`)]));
  const args = ["-M", "q35", "-nodefaults", "-display", "none", "-S", "-accel", "tcg"];
  for (const path of Object.values(sockets)) args.push("-qmp", `unix:${path},server=on,wait=off`);
  args.push("-device", "ide-cd,id=cd0,bus=ide.0");
  const child = killOnExit(
    spawn("qemu-system-x86_64", args, { stdio: ["ignore", "ignore", "pipe"] }),
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const deadline = Date.now() + 15_000;
  for (const path of Object.values(sockets)) {
    while (!(await canConnect(path))) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`QEMU did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    process: child,
    sockets,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    },
  };
}

import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { killOnExit } from "./child.js";
import { REPO_ROOT } from "./machine.js";

const BIN = join(REPO_ROOT, "packages", "daemon", "dist", "bin");
/** The tray plugin as virteventd can load it (see tray-plugin-default.ts). */
export const TRAY_PLUGIN_MODULE = join(
  dirname(fileURLToPath(import.meta.url)),
  "tray-plugin-default.js",
);

/** Writes a virteventd configuration in `dir`; returns its path and the API socket's. */
export function writeDaemonConfig(
  dir: string,
  domains: Array<{ name: string; qmp: string }>,
): { file: string; api: string } {
  // The daemon wants its socket's directory private (0700).
  mkdirSync(join(dir, "run"), { recursive: true, mode: 0o700 });
  const api = join(dir, "run", "api.sock");
  const config = {
    stateDir: join(dir, "state"),
    apiSocket: { path: api },
    logLevel: "info",
    plugins: [{ package: TRAY_PLUGIN_MODULE }, { package: "@virtevent/plugin-nic-rx-filter" }],
    domains: domains.map((d) => ({ ...d, devices: { disks: [{ alias: "cd0" }] } })),
  };
  const file = join(dir, "virteventd.json");
  writeFileSync(file, JSON.stringify(config));
  return { file, api };
}

/** The path of one of the daemon package's binaries. */
export function binPath(bin: "virteventd" | "virtevent"): string {
  return join(BIN, `${bin}.js`);
}

/** Spawns one of the daemon package's binaries (`virteventd`, `virtevent`) with node. */
export function spawnBin(
  bin: "virteventd" | "virtevent",
  args: string[],
  nodeArgs: string[] = [],
): ChildProcess {
  return killOnExit(
    spawn(process.execPath, [...nodeArgs, binPath(bin), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
}

/** Calls `onLine` for every line `stream` produces. */
export function eachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let tail = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    const parts = (tail + chunk).split("\n");
    tail = parts.pop() ?? "";
    for (const p of parts) onLine(p);
  });
}

/** CPU time of every thread of `pid`, in microseconds (from /proc/PID/task/TID/schedstat, in ns). */
export function processCpuUs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return ns / 1000;
}

/** Resident set size of `pid` in bytes (VmRSS). */
export function processRssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** Peak resident set size of `pid` in bytes (VmHWM). */
export function processPeakRssBytes(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** Stops a spawned process (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopProcess(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

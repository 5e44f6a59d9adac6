import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BenchChild } from "./child.js";

/** Options every workload gets from the runner. */
export interface BenchContext {
  /** Runs per figure (each run measures the figure and its baseline). */
  runs: number;
  /** Smaller sizes for a smoke run (`--quick`). */
  quick: boolean;
  /** A fresh temporary directory for sockets and configs, removed at the end. */
  tmp: string;
  /** Progress lines (stderr). */
  log(line: string): void;
}

/** Makes a temporary directory under /tmp (short paths: unix socket paths are limited). */
export function makeTmp(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "veb-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts the fake QMP server process with `count` sockets in `dir`; returns it and the paths. */
export async function startFakeServers(
  dir: string,
  count: number,
): Promise<{ servers: BenchChild; paths: string[] }> {
  const servers = BenchChild.start("fake-servers");
  await servers.next("started");
  const { paths } = await servers.request<{ type: string; paths: string[] }>(
    { type: "listen", dir, count },
    "listening",
  );
  return { servers, paths };
}

/** Runs `script` once in a fresh process and returns its "result" message. */
export async function runOnce<T>(
  script: string,
  args: string[],
  execArgv: string[] = [],
  timeoutMs = 180_000,
): Promise<T> {
  const child = BenchChild.start(script, args, execArgv);
  try {
    return (await child.next("result", timeoutMs)) as unknown as T;
  } finally {
    await child.stop();
  }
}

import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { killOnExit } from "../lib/child.js";
import type { BenchContext } from "../lib/context.js";
import { startFakeServers } from "../lib/context.js";
import type { Row, WorkloadResult } from "../lib/report.js";
import { ratioOf, summarize } from "../lib/stats.js";
import { binPath, eachLine, stopProcess, writeDaemonConfig } from "../lib/virteventd.js";

const RAW_SCRIPT = new URL("../procs/startup-raw.js", import.meta.url).pathname;
const TIMEOUT_MS = 120_000;

interface Timing {
  readyMs: number;
  connectedMs: number;
}

/** Spawns `args` with node and times the stdout/stderr lines that say ready and connected. */
function timeStart(
  args: string[],
  domains: number,
  isReady: (l: string) => boolean,
  isConnected: (l: string) => boolean,
): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
    const child = killOnExit(spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] }));
    let readyMs = Number.NaN;
    let connected = 0;
    const timer = setTimeout(
      () => finish(new Error(`no ready/connected in ${TIMEOUT_MS} ms`)),
      TIMEOUT_MS,
    );
    const finish = (error?: Error) => {
      clearTimeout(timer);
      void stopProcess(child).then(() =>
        error ? reject(error) : resolve({ readyMs, connectedMs: ms() }),
      );
    };
    const onLine = (line: string) => {
      if (isConnected(line)) connected++;
      if (Number.isNaN(readyMs) && isReady(line)) readyMs = ms();
      if (!Number.isNaN(readyMs) && connected >= domains) finish();
    };
    eachLine(child.stdout as NodeJS.ReadableStream, onLine);
    eachLine(child.stderr as NodeJS.ReadableStream, onLine);
    child.once("exit", (code) => {
      if (Number.isNaN(readyMs)) finish(new Error(`exited with ${code} before ready`));
    });
  });
}

function daemonArgs(dir: string, paths: string[]): string[] {
  mkdirSync(dir, { recursive: true });
  const { file } = writeDaemonConfig(
    dir,
    paths.map((qmp, i) => ({ name: `vm${i}`, qmp })),
  );
  return [binPath("virteventd"), "--config", file];
}

/**
 * Workload 5: virteventd from process start to its "ready" log line and to every domain's
 * monitor connected, with 0 and 1000 domains; beside a raw Node process doing the same connects.
 */
export async function startup(ctx: BenchContext): Promise<WorkloadResult> {
  const started = Date.now();
  const domains = ctx.quick ? 200 : 1000;
  const { servers, paths } = await startFakeServers(ctx.tmp, domains);
  const pathsFile = join(ctx.tmp, "startup-paths.json");
  writeFileSync(pathsFile, JSON.stringify(paths));
  const sizes = [0, domains];
  const perRun: Record<string, Timing[]> = {};
  const put = (k: string, t: Timing) => {
    perRun[k] ??= [];
    perRun[k].push(t);
  };
  const rawReady = (l: string) => l === "ready";
  const daemonReady = (l: string) => l.includes('"msg":"virteventd ready"');
  const connectedLine = (l: string) => l.includes('"msg":"domain monitor connected"');
  try {
    for (let r = 0; r < ctx.runs; r++) {
      for (const n of sizes) {
        put(
          `raw-${n}`,
          await timeStart(
            n === 0 ? [RAW_SCRIPT] : [RAW_SCRIPT, pathsFile],
            0,
            rawReady,
            () => false,
          ),
        );
        const args = daemonArgs(join(ctx.tmp, `startup-${r}-${n}`), paths.slice(0, n));
        put(`daemon-${n}`, await timeStart(args, n, daemonReady, connectedLine));
        ctx.log(
          `startup run ${r + 1}, ${n} domains: ready ${perRun[`daemon-${n}`][r].readyMs.toFixed(0)} ms, connected ${perRun[`daemon-${n}`][r].connectedMs.toFixed(0)} ms`,
        );
        await servers.request({ type: "drop-connections" }, "dropped");
      }
    }
  } finally {
    await servers.stop();
  }
  const of = (k: string, f: keyof Timing) => perRun[k].map((t) => t[f]);
  const rows: Row[] = [];
  for (const n of sizes) {
    rows.push({
      figure: `${n} domains: start → "virteventd ready"`,
      unit: "ms",
      value: summarize(of(`daemon-${n}`, "readyMs")),
      baseline: summarize(of(`raw-${n}`, "readyMs")),
      ratio: ratioOf(of(`daemon-${n}`, "readyMs"), of(`raw-${n}`, "readyMs")),
    });
    if (n > 0) {
      rows.push({
        figure: `${n} domains: start → every monitor connected`,
        unit: "ms",
        value: summarize(of(`daemon-${n}`, "connectedMs")),
        baseline: summarize(of(`raw-${n}`, "readyMs")),
        ratio: ratioOf(of(`daemon-${n}`, "connectedMs"), of(`raw-${n}`, "readyMs")),
      });
    }
  }
  return {
    id: "startup",
    title: `5. Start-up: virteventd with 0 and ${domains} domains (attached to fake servers in another process), ${ctx.runs} runs`,
    rows,
    notes: [
      "Measured from spawn to the daemon's log line (pino on stderr); 'connected' counts the core bridge's \"domain monitor connected\" lines (after greeting, capabilities and query-status). virteventd loads the tray and nic-rx-filter plugins and a FileStateStore in a fresh state directory.",
      "Raw baseline: `node` running a script that connects and negotiates the same sockets with the raw client, then prints ready (with 0 domains: bare Node start-up).",
    ],
    seconds: (Date.now() - started) / 1000,
    detail: perRun,
  };
}

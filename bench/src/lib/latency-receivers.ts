// The three kinds of receiver the latency workload times, behind one interface.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { BenchChild, type Message } from "./child.js";
import { eachLine, processCpuUs, spawnBin, stopProcess, writeDaemonConfig } from "./virteventd.js";

/** One tray move as a receiver saw it: when (CLOCK_MONOTONIC ns) and where the tray went. */
export interface Arrival {
  t: bigint;
  open: boolean;
}

/** A FIFO of arrivals with a timed wait. */
export class Arrivals {
  private readonly items: Arrival[] = [];
  private waiter: ((a: Arrival | undefined) => void) | undefined;

  push(a: Arrival): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(a);
    } else this.items.push(a);
  }

  /** The next arrival, or undefined after `timeoutMs`. */
  next(timeoutMs: number): Promise<Arrival | undefined> {
    const first = this.items.shift();
    if (first) return Promise.resolve(first);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.waiter = (a) => {
        clearTimeout(timer);
        resolve(a);
      };
    });
  }
}

/** A receiver under test. */
export interface Receiver {
  arrivals: Arrivals;
  /** CPU time of the receiving daemon (or raw client) process so far, in µs. */
  cpuUs(): Promise<number>;
  stop(): Promise<void>;
}

export type LatencyVariant = "raw" | "inproc-memory" | "inproc-file" | "api";

/** Starts the receiver `variant` on QEMU's monitor socket `qmp`. */
export async function startReceiver(
  variant: LatencyVariant,
  qmp: string,
  dir: string,
): Promise<Receiver> {
  mkdirSync(dir, { recursive: true });
  const arrivals = new Arrivals();
  if (variant !== "api") {
    const child = BenchChild.start("latency-receiver", [variant, qmp, dir]);
    child.process.on("message", (m: Message) => {
      if (m.type === "got") arrivals.push({ t: BigInt(m.t as string), open: m.open as boolean });
    });
    await child.next("ready", 30_000);
    return {
      arrivals,
      cpuUs: async () => (await child.request<Message & { us: number }>({ type: "cpu" }, "cpu")).us,
      stop: () => child.stop(),
    };
  }
  const { file, api } = writeDaemonConfig(dir, [{ name: "lat", qmp }]);
  const daemon = spawnBin("virteventd", ["--config", file]);
  daemon.stdout?.resume();
  let lastLine = "";
  const ready = new Promise<void>((resolve, reject) => {
    eachLine(daemon.stderr as NodeJS.ReadableStream, (line) => {
      lastLine = line;
      if (line.includes("virteventd ready")) resolve();
    });
    daemon.once("exit", (code) => reject(new Error(`virteventd exited with ${code}: ${lastLine}`)));
  });
  await ready;
  // The CLI as users run it, with a preload that stamps each stdout line with the time it was
  // written (in the CLI's own process, as the raw client stamps its own arrivals).
  const stamp = new URL("./stdout-stamp.js", import.meta.url).href;
  const cli = spawnBin(
    "virtevent",
    ["--socket", api, "events", "--json", "--event", "tray-change"],
    ["--import", stamp],
  );
  cli.stderr?.resume();
  eachLine(cli.stdout as NodeJS.ReadableStream, (line) => {
    const space = line.indexOf(" ");
    const t = BigInt(line.slice(0, space));
    const ev = JSON.parse(line.slice(space + 1)) as { data: { reason: string } };
    arrivals.push({ t, open: ev.data.reason === "open" });
  });
  return {
    arrivals,
    cpuUs: async () => processCpuUs(daemon.pid ?? -1),
    async stop() {
      await stopProcess(cli);
      await stopProcess(daemon);
    },
  };
}

/** Where each variant's state goes. */
export function receiverDir(root: string, variant: LatencyVariant, run: number): string {
  return join(root, `lat-${variant}-${run}`);
}

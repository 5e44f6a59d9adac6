import { createConnection } from "node:net";
import { Writable } from "node:stream";
import type { EventLoopImpl, Logger } from "@virtevent/core";
import { pino } from "pino";
import { QmpMonitor, type QmpMonitorOptions } from "../src/index.js";
import { FakeQmpServer, type FakeQmpServerOptions } from "../src/testing/index.js";
import type { LoopHarness } from "./loops.js";

/** A pino logger that keeps every record it is given, parsed. */
export function captureLogger(): { logger: Logger; records: Array<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split("\n")) if (line) records.push(JSON.parse(line));
      cb();
    },
  });
  return { logger: pino({ level: "debug" }, sink), records };
}

/** Warnings logged (pino level 40). */
export function warnings(records: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return records.filter((r) => r.level === 40);
}

/** A fake server, a loop of the harness's kind, and a monitor connected to the one by the other. */
export interface Rig {
  server: FakeQmpServer;
  loop: EventLoopImpl;
  monitor: QmpMonitor;
  records: Array<Record<string, unknown>>;
  /** Resolves `p`, turning the loop if the harness needs it. */
  run<T>(p: Promise<T>): Promise<T>;
  /** Turns the loop until `cond()` holds. */
  until(cond: () => boolean): Promise<void>;
  dispose(): Promise<void>;
}

/** Starts a rig; `ready: false` leaves negotiation to the test. */
export async function startRig(
  harness: LoopHarness,
  serverOptions: FakeQmpServerOptions = {},
  monitorOptions: Partial<QmpMonitorOptions> & { ready?: boolean } = {},
): Promise<Rig> {
  const server = await FakeQmpServer.start(serverOptions);
  const loop = harness.create();
  const { logger, records } = captureLogger();
  const monitor = new QmpMonitor(createConnection(server.path), {
    loop,
    logger,
    ...monitorOptions,
  });
  const run = <T>(p: Promise<T>) => harness.run(loop, p);
  const rig: Rig = {
    server,
    loop,
    monitor,
    records,
    run,
    async until(cond) {
      const deadline = Date.now() + 5000;
      await run(
        new Promise<void>((resolve, reject) => {
          const check = () => {
            if (cond()) resolve();
            else if (Date.now() > deadline) reject(new Error("condition never held"));
            else setTimeout(check, 1);
          };
          check();
        }),
      );
    },
    async dispose() {
      monitor.close();
      await server.stop();
      await loop.close();
    },
  };
  if (monitorOptions.ready !== false) await run(monitor.ready);
  return rig;
}

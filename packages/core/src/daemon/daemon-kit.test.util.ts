// Shared by the daemon tests; named *.test.* so it is not published.
import { pino } from "pino";
import type { Logger } from "../common/logger.js";
import type { CommandChannel } from "../domain/command-channel.js";
import { ManualEventLoop } from "../testing/manual-event-loop.js";
import { createDaemon } from "./create-daemon.js";
import type { Daemon, DaemonOptions } from "./daemon.js";

/** A logger that keeps every line as a parsed object. @internal */
export function recordingLogger(): { logger: Logger; logs: Array<Record<string, unknown>> } {
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: "debug" },
    { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, logs };
}

/** A promise with its resolve exposed. @internal */
export function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

/** Lets pending promise reactions and immediates run. @internal */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A stand-in for a monitor protocol: it plays what a qmp bridge does with the daemon's
 * bridge entry points (schema check, then dispatch), and records the commands workers send.
 * @internal
 */
export class TestMonitor implements CommandChannel {
  readonly commands: Array<{ command: string; args?: Record<string, unknown> }> = [];
  readonly dropped: string[] = [];
  replies = new Map<string, unknown>();

  constructor(
    private readonly daemon: Daemon,
    readonly uuid: string,
  ) {}

  async execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    this.commands.push({ command, args });
    return this.replies.get(command) ?? {};
  }

  connect(reconnect = false): Promise<void> {
    return this.daemon.bridge.domainConnected(this.uuid, this, { reconnect });
  }

  /** Validates `data` with the entry's schema (as the monitor would) and dispatches it. */
  event(name: string, data: unknown): boolean {
    const entry = this.daemon.bridge.findMonitorEvent(name);
    const parsed = entry?.schema.safeParse(data);
    if (!entry || !parsed?.success) {
      this.dropped.push(name);
      return false;
    }
    return this.daemon.bridge.dispatchMonitorEvent(entry, this.uuid, parsed.data);
  }
}

/** A daemon on a ManualEventLoop with a recording logger. @internal */
export function createTestDaemon(options: DaemonOptions = {}) {
  const loop = new ManualEventLoop();
  const { logger, logs } = recordingLogger();
  const daemon = createDaemon({ loop, logger, ...options });
  return { daemon, loop, logs };
}

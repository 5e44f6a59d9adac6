import { connect, type Socket } from "node:net";

/** Longest the harness waits for a QMP greeting or reply. */
export const RAW_QMP_TIMEOUT_MS = 10_000;

/** A QMP event as received. */
export interface RawQmpEvent {
  event: string;
  data?: Record<string, unknown>;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * The smallest QMP client the harness needs before `@virtevent/qmp` exists: greeting,
 * `qmp_capabilities`, commands matched by id, events recorded. Test support only; it has none
 * of the monitor's limits or fault handling.
 */
export class RawQmpClient {
  /** Every event received so far, in arrival order. */
  readonly events: RawQmpEvent[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private tail = "";
  private greeted: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("close", () => this.failAll(new Error("QMP socket closed")));
    socket.on("error", (e) => this.failAll(e));
  }

  /** Connects to `path`, waits for the greeting and leaves negotiation mode. */
  static async connect(path: string): Promise<RawQmpClient> {
    const socket = connect(path);
    const client = new RawQmpClient(socket);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no QMP greeting on ${path}`)),
        RAW_QMP_TIMEOUT_MS,
      );
      socket.once("error", reject);
      client.greeted = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    await client.execute("qmp_capabilities");
    return client;
  }

  /** Sends `command` and resolves with its `return` value; rejects on an `error` reply. */
  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`QMP ${command} timed out`));
      }, RAW_QMP_TIMEOUT_MS);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      const message =
        args === undefined ? { execute: command, id } : { execute: command, arguments: args, id };
      this.socket.write(`${JSON.stringify(message)}\n`);
    });
  }

  /** Closes the connection (QEMU then accepts the next client on the same socket). */
  async close(): Promise<void> {
    if (this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      // A peer that never answers the end() must not hold the test's cleanup.
      const timer = setTimeout(() => this.socket.destroy(), RAW_QMP_TIMEOUT_MS);
      this.socket.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.end();
    });
  }

  private onData(chunk: string): void {
    const lines = (this.tail + chunk).split("\n");
    this.tail = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      const message = JSON.parse(line) as Record<string, unknown>;
      if ("QMP" in message) {
        this.greeted?.();
      } else if (typeof message.event === "string") {
        this.events.push(message as unknown as RawQmpEvent);
      } else if (typeof message.id === "number") {
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if ("error" in message)
          waiter?.reject(new Error(`QMP error: ${JSON.stringify(message.error)}`));
        else waiter?.resolve(message.return);
      }
    }
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}

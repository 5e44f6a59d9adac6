import { type ChildProcess, fork } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A message between the orchestrator and a bench child process. */
export interface Message {
  type: string;
  [key: string]: unknown;
}

const PROCS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "procs");

/**
 * A bench child process (a script of bench/dist/procs) spoken to over Node's IPC channel.
 * Messages are awaited by type; a child that exits early fails every wait.
 */
export class BenchChild {
  private readonly inbox: Message[] = [];
  private readonly waiters: Array<{
    type: string;
    resolve: (m: Message) => void;
    reject: (e: Error) => void;
  }> = [];
  private exitError: Error | undefined;
  readonly exited: Promise<number | null>;

  private constructor(
    readonly process: ChildProcess,
    readonly name: string,
  ) {
    process.on("message", (m: Message) => this.deliver(m));
    this.exited = new Promise((resolve) => {
      process.on("exit", (code, signal) => {
        this.exitError = new Error(`${name} exited (code ${code}, signal ${signal})`);
        for (const w of this.waiters.splice(0)) w.reject(this.exitError);
        resolve(code);
      });
    });
  }

  /** Forks `bench/dist/procs/<script>.js` with `args` and extra node flags. */
  static start(script: string, args: string[] = [], execArgv: string[] = []): BenchChild {
    // `--profile` (run.ts) sets BENCH_CPU_PROF_DIR: every child then writes a V8 CPU profile.
    const profDir = process.env.BENCH_CPU_PROF_DIR;
    const prof = profDir
      ? [
          "--cpu-prof",
          `--cpu-prof-dir=${profDir}`,
          `--cpu-prof-name=${[script, ...args.slice(0, 1), Date.now()].join("-")}.cpuprofile`,
        ]
      : [];
    const child = killOnExit(
      fork(join(PROCS_DIR, `${script}.js`), args, {
        execArgv: [...execArgv, ...prof],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      }),
    );
    return new BenchChild(child, `${script} ${args.join(" ")}`.trim());
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  send(message: Message): void {
    this.process.send(message);
  }

  /** The next message of `type` (kept if it already arrived). */
  next<T extends Message = Message>(type: string, timeoutMs = 120_000): Promise<T> {
    const i = this.inbox.findIndex((m) => m.type === type);
    if (i !== -1) return Promise.resolve(this.inbox.splice(i, 1)[0] as T);
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: no "${type}" in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  /** Sends `message` and waits for the reply of type `replyType`. */
  request<T extends Message = Message>(
    message: Message,
    replyType: string,
    timeoutMs?: number,
  ): Promise<T> {
    const reply = this.next<T>(replyType, timeoutMs);
    this.send(message);
    return reply;
  }

  /** Asks the child to stop, then kills it if it has not exited within `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    if (this.process.connected) this.send({ type: "stop" });
    const timer = setTimeout(() => this.process.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private deliver(m: Message): void {
    const i = this.waiters.findIndex((w) => w.type === m.type);
    if (i === -1) this.inbox.push(m);
    else this.waiters.splice(i, 1)[0].resolve(m);
  }
}

const spawned = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Kills `child` if the bench exits first (an interrupted run must not leave QEMU, virteventd or
 * a bench child behind). Returns `child`.
 */
export function killOnExit<T extends ChildProcess>(child: T): T {
  spawned.add(child);
  child.once("exit", () => spawned.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const c of spawned) c.kill("SIGKILL");
    });
  }
  return child;
}

/** In a child: sends `message` to the orchestrator. */
export function reply(message: Message): void {
  process.send?.(message);
}

/** In a child: calls `handler` for each orchestrator message; "stop" exits after `onStop`. */
export function onMessages(
  handler: (m: Message) => void | Promise<void>,
  onStop?: () => Promise<void> | void,
): void {
  process.on("message", (m: Message) => {
    if (m.type === "stop") {
      void Promise.resolve(onStop?.()).finally(() => process.exit(0));
      return;
    }
    Promise.resolve(handler(m)).catch((e: unknown) => {
      reply({ type: "error", message: String((e as Error)?.stack ?? e) });
      process.exit(1);
    });
  });
  process.on("disconnect", () => process.exit(0));
}

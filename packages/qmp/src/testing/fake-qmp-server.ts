import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { QmpTarget } from "../monitor/connect.js";
import { LineFramer } from "../protocol/line-framer.js";
import {
  type Expectation,
  ExpectationImpl,
  type ExpectOptions,
  type FakeReply,
  parseCommandLine,
  type ReceivedCommand,
  renderReply,
} from "./fake-script.js";
import type { TranscriptEntry } from "./transcript.js";
import { TranscriptPlayer } from "./transcript-player.js";

/** A QEMU 7.2 greeting, as the fake server sends it by default. */
export const DEFAULT_GREETING = {
  QMP: {
    version: { qemu: { micro: 0, minor: 2, major: 7 }, package: "FakeQmpServer" },
    capabilities: ["oob"],
  },
};

/**
 * What the server sends on connect: the default greeting, none at all, a malformed line, a
 * greeting without `capabilities`, or any given text / object.
 */
export type FakeGreeting = "default" | "none" | "malformed" | "no-capabilities" | { raw: string };

/** Options of {@link FakeQmpServer.start}. */
export interface FakeQmpServerOptions {
  /** Default "default". */
  greeting?: FakeGreeting;
  /** How `qmp_capabilities` is answered: "ok" (default), an error, or not at all ("stall"). */
  capabilities?: "ok" | "stall" | { error: { class: string; desc: string } };
  /** Listen on a temporary unix socket (default) or on 127.0.0.1, on a free TCP port. */
  transport?: "unix" | "tcp";
  /** Plays this recorded session instead (greeting and replies from the transcript). */
  transcript?: readonly TranscriptEntry[];
  /** Called with each failure as it happens (e.g. to log it); `verify()` reports them all. */
  onFailure?: (message: string) => void;
}

/**
 * A scripted QMP server on a temporary unix socket (or a local TCP port), in the spirit of libvirt's monitor test
 * harness: it greets, negotiates, answers a FIFO of expected commands, records a failure for
 * any unexpected one, and injects faults (events, raw bytes, chunked writes, stalls, closes,
 * crashes). One client connection at a time. Call `verify()` at the end of a test and `stop()`
 * in `afterEach`.
 *
 * @example
 * const server = await FakeQmpServer.start();
 * server.expect("query-status", { return: { status: "running", running: true } });
 * const monitor = await connectQmp({ path: server.path }, { loop });
 * await monitor.execute("query-status");
 * server.verify();
 */
export class FakeQmpServer {
  /** Every command received, in order (qmp_capabilities included). */
  readonly commands: ReceivedCommand[] = [];
  /** Failures so far: unexpected commands, argument mismatches, garbage from the client. */
  readonly failures: string[] = [];
  private readonly expectations: ExpectationImpl[] = [];
  private readonly held: string[] = [];
  private readonly waiters: Array<{ name?: string; resolve: (c: ReceivedCommand) => void }> = [];
  private socket: Socket | undefined;
  private stalled = false;
  private player: TranscriptPlayer | undefined;
  private connected!: Promise<void>;

  private constructor(
    private readonly server: Server,
    private readonly dir: string,
    /** Where clients connect: `{ path }` or `{ host, port }`. */
    readonly target: QmpTarget,
    private readonly options: FakeQmpServerOptions,
  ) {
    this.connected = new Promise((resolve) => {
      server.on("connection", (socket) => {
        this.accept(socket);
        resolve();
      });
    });
  }

  /** Starts a server listening on a fresh temporary socket. */
  static async start(options: FakeQmpServerOptions = {}): Promise<FakeQmpServer> {
    const dir = mkdtempSync(join(tmpdir(), "virtevent-fakeqmp-"));
    const server = createServer({ allowHalfOpen: false });
    const tcp = options.transport === "tcp";
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      if (tcp) server.listen(0, "127.0.0.1", () => resolve());
      else server.listen(join(dir, "qmp.sock"), () => resolve());
    });
    const target: QmpTarget = tcp
      ? { host: "127.0.0.1", port: (server.address() as AddressInfo).port }
      : { path: join(dir, "qmp.sock") };
    return new FakeQmpServer(server, dir, target, options);
  }

  /** The unix socket path clients connect to ("" for a TCP server: use `target`). */
  get path(): string {
    return "path" in this.target ? this.target.path : "";
  }

  /** Resolves once a client connected. */
  waitForConnection(): Promise<void> {
    return this.connected;
  }

  /** Resolves once the connected client went away (or at once if none is connected). */
  waitForDisconnect(): Promise<void> {
    const s = this.socket;
    if (!s) return this.connected.then(() => this.waitForDisconnect());
    if (s.destroyed) return Promise.resolve();
    return new Promise((resolve) => s.once("close", () => resolve()));
  }

  /** Resolves when the transcript (if any) has been played to the end. */
  get transcriptDone(): Promise<void> {
    return this.player?.done ?? Promise.resolve();
  }

  /**
   * Expects `command` next (after earlier expectations), answering with `reply`; without a
   * reply the command is held until `expectation.respond(...)`.
   */
  expect(command: string, reply?: FakeReply, options: ExpectOptions = {}): Expectation {
    const e = new ExpectationImpl(command, reply, options, (text) => this.writeRaw(text));
    this.expectations.push(e);
    return e;
  }

  /** Resolves with the next received command (named `name`, if given) not yet waited for. */
  waitForCommand(name?: string): Promise<ReceivedCommand> {
    return new Promise((resolve) => this.waiters.push({ name, resolve }));
  }

  /** Sends an event with a current timestamp (or the given one). */
  emitEvent(
    name: string,
    data?: unknown,
    timestamp?: { seconds: number; microseconds: number },
  ): void {
    const now = Date.now();
    const ts = timestamp ?? { seconds: Math.floor(now / 1000), microseconds: (now % 1000) * 1000 };
    const msg =
      data === undefined ? { event: name, timestamp: ts } : { event: name, data, timestamp: ts };
    this.writeRaw(`${JSON.stringify(msg)}\r\n`);
  }

  /** Writes bytes as they are (no line ending added). */
  writeRaw(data: string | Buffer): void {
    if (this.socket && !this.socket.destroyed) this.socket.write(data);
  }

  /** Writes `data` in pieces of the given sizes (the rest in one last piece), each written a
   * turn after the previous one so that they arrive as separate reads. */
  async writeChunks(data: string | Buffer, sizes: readonly number[]): Promise<void> {
    const buf = typeof data === "string" ? Buffer.from(data) : data;
    let at = 0;
    for (const size of [...sizes, buf.length]) {
      if (at >= buf.length) break;
      this.writeRaw(buf.subarray(at, Math.min(at + size, buf.length)));
      at += size;
      await new Promise<void>((resolve) => setTimeout(resolve, 1));
    }
  }

  /** Stops answering: commands received from now on are held until `resume()`. */
  stall(): void {
    this.stalled = true;
  }

  /** Handles the commands held by `stall()`, in order, and answers again. */
  resume(): void {
    this.stalled = false;
    for (const line of this.held.splice(0)) this.onLine(line);
  }

  /** Ends the connection cleanly (the client sees EOF). */
  close(): void {
    this.socket?.end();
  }

  /** Drops the connection abruptly, after writing `partial` (e.g. half a message) if given. */
  crash(partial?: string): void {
    if (partial !== undefined) this.writeRaw(partial);
    this.socket?.destroy();
  }

  /** Throws when a failure was recorded or an expected command never came. */
  verify(): void {
    const problems = [...this.failures];
    for (const e of this.expectations) if (!e.matched) problems.push(`${e.command} never received`);
    if (this.player && !this.player.finished) problems.push("transcript not played to its end");
    if (problems.length > 0) throw new Error(`FakeQmpServer:\n  ${problems.join("\n  ")}`);
  }

  /** Closes the connection and the server and removes the socket directory. */
  async stop(): Promise<void> {
    this.socket?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private accept(socket: Socket): void {
    if (this.socket && !this.socket.destroyed) {
      this.fail("a second client connected while the first was still connected");
      socket.destroy();
      return;
    }
    this.socket = socket;
    socket.on("error", () => {});
    const framer = new LineFramer();
    socket.on("data", (chunk: Buffer) => {
      for (const line of framer.push(chunk)) {
        if (this.stalled) this.held.push(line);
        else this.onLine(line);
      }
    });
    if (this.options.transcript) {
      this.player = new TranscriptPlayer(
        this.options.transcript,
        (t) => this.writeRaw(t),
        (m) => this.fail(m),
      );
      return;
    }
    this.writeRaw(greetingText(this.options.greeting ?? "default"));
  }

  private onLine(line: string): void {
    const cmd = parseCommandLine(line);
    if (typeof cmd === "string") {
      this.fail(cmd);
      return;
    }
    this.commands.push(cmd);
    const w = this.waiters.findIndex((x) => x.name === undefined || x.name === cmd.command);
    if (w >= 0) this.waiters.splice(w, 1)[0].resolve(cmd);
    if (this.player) {
      this.player.onCommand(cmd);
      return;
    }
    if (
      cmd.command === "qmp_capabilities" &&
      !this.expectations.some((e) => !e.matched && e.command === "qmp_capabilities")
    ) {
      this.negotiate(cmd);
      return;
    }
    const next = this.expectations.find((e) => !e.matched);
    const problem = next ? next.check(cmd) : `unexpected command ${cmd.command} (${line})`;
    if (next && problem === undefined) {
      next.accept(cmd);
      return;
    }
    this.fail(problem ?? `unexpected command ${cmd.command}`);
    this.writeRaw(
      renderReply({ error: { class: "CommandNotFound", desc: `FakeQmpServer: ${problem}` } }, cmd),
    );
  }

  private negotiate(cmd: ReceivedCommand): void {
    const how = this.options.capabilities ?? "ok";
    if (how === "stall") return;
    this.writeRaw(renderReply(how === "ok" ? { return: {} } : how, cmd));
  }

  private fail(message: string): void {
    this.failures.push(message);
    this.options.onFailure?.(message);
  }
}

function greetingText(g: FakeGreeting): string {
  if (g === "none") return "";
  if (g === "malformed") return '{"QMP": {"version": \r\n';
  if (g === "no-capabilities")
    return `${JSON.stringify({ QMP: { version: DEFAULT_GREETING.QMP.version } })}\r\n`;
  if (g === "default") return `${JSON.stringify(DEFAULT_GREETING)}\r\n`;
  return g.raw;
}

import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";

/** Longest a guest command may take before the console gives up on it. */
export const GUEST_COMMAND_TIMEOUT_MS = 20_000;
/** Longest the guest may take from `cont` to its agent listening (TCG boot is ~3 s). */
export const GUEST_BOOT_TIMEOUT_MS = 60_000;
/** A request line must fit the guest tty's canonical line buffer with room to spare. */
export const MAX_GUEST_COMMAND_BYTES = 1024;
/** The console transcript kept for diagnostics; older output is dropped beyond this. */
export const MAX_TRANSCRIPT_CHARS = 256 * 1024;

/** The outcome of one guest command. */
export interface GuestCommandResult {
  status: number;
  output: string;
}

/**
 * Drives the test guest's agent (scripts/guest/agent.sh) over the serial console socket: each
 * command carries a unique token and completes when `@VE-DONE <token> <status>@` arrives, so
 * boot messages and stray output never confuse one command's result with another's.
 *
 * @example
 * const { status } = await guestConsole.run("ip link set eth0 up");
 */
export class GuestConsole {
  private transcriptText = "";
  private waiters: Array<() => void> = [];
  private closed: Error | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.transcriptText = (this.transcriptText + chunk.replaceAll("\r", "")).slice(
        -MAX_TRANSCRIPT_CHARS,
      );
      this.wake();
    });
    socket.on("close", () => {
      this.closed ??= new Error("guest console closed");
      this.wake();
    });
    socket.on("error", (e) => {
      this.closed = e;
      this.wake();
    });
  }

  /** Connects to the serial socket at `path`. */
  static connect(path: string): Promise<GuestConsole> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new GuestConsole(socket));
      });
    });
  }

  /** Everything the guest printed so far (capped), for failure messages. */
  get transcript(): string {
    return this.transcriptText;
  }

  /** Resolves once the agent announced itself. */
  async waitReady(timeoutMs = GUEST_BOOT_TIMEOUT_MS): Promise<void> {
    await this.waitFor(/@VE-READY@/, timeoutMs, "the guest agent to start");
  }

  /** Runs `command` in the guest and resolves with its exit status and output. */
  run(command: string, timeoutMs = GUEST_COMMAND_TIMEOUT_MS): Promise<GuestCommandResult> {
    if (/[\r\n]/.test(command)) throw new Error("a guest command must be a single line");
    if (Buffer.byteLength(command) > MAX_GUEST_COMMAND_BYTES) {
      throw new Error(`a guest command is limited to ${MAX_GUEST_COMMAND_BYTES} bytes`);
    }
    // One at a time: the agent is serial anyway, and ordering keeps transcripts readable.
    const next = this.queue.then(() => this.runNow(command, timeoutMs));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Like {@link run} but rejects (with the output) when the status is not 0. */
  async check(command: string, timeoutMs = GUEST_COMMAND_TIMEOUT_MS): Promise<string> {
    const result = await this.run(command, timeoutMs);
    if (result.status !== 0) {
      throw new Error(`guest command "${command}" exited ${result.status}: ${result.output}`);
    }
    return result.output;
  }

  /** Closes the socket. */
  close(): void {
    this.socket.destroy();
  }

  private async runNow(command: string, timeoutMs: number): Promise<GuestCommandResult> {
    const token = randomBytes(6).toString("hex");
    this.socket.write(`VE ${token} ${command}\n`);
    const done = new RegExp(`@VE-BEGIN ${token}@\\n([\\s\\S]*?)\\n?@VE-DONE ${token} (\\d+)@`);
    const match = await this.waitFor(done, timeoutMs, `guest command "${command}"`);
    return { status: Number(match[2]), output: match[1] ?? "" };
  }

  private async waitFor(
    pattern: RegExp,
    timeoutMs: number,
    what: string,
  ): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.transcriptText);
      if (match) return match;
      if (this.closed) throw new Error(`${what}: ${this.closed.message}\n${this.tail()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}\n${this.tail()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private tail(): string {
    return `--- guest console (last 2000 chars) ---\n${this.transcriptText.slice(-2000)}`;
  }
}

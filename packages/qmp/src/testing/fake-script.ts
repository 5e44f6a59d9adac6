import { isDeepStrictEqual } from "node:util";

/** A command the fake server received, parsed. */
export interface ReceivedCommand {
  /** The command name (`execute`). */
  command: string;
  /** Its `arguments`, or undefined when absent. */
  args: Record<string, unknown> | undefined;
  /** The id the client gave it (QEMU echoes any JSON value). */
  id: unknown;
  /** The line as received, without its line ending. */
  line: string;
}

/**
 * How the fake server answers one command:
 * - `{ return: value }` / `{ error: { class, desc } }`: a normal reply with the command's id;
 * - `{ raw: text }`: `text` written as one line, verbatim, with every `%ID%` replaced by the
 *   command's id as JSON (use it for broken replies, or several lines separated by "\n");
 * - a function computing one of the above from the received command.
 */
export type FakeReply =
  | { return: unknown }
  | { error: { class: string; desc: string } }
  | { raw: string }
  | ((received: ReceivedCommand) => FakeReply);

/** Checks the arguments of an expected command: a value they must deep-equal, or a predicate
 * returning true (or nothing) when they are right and false or a message when wrong. */
export type ArgsCheck =
  | Record<string, unknown>
  | ((args: Record<string, unknown> | undefined) => boolean | string | undefined);

/** One expected command, in the server's FIFO. */
export interface Expectation {
  readonly command: string;
  /** Resolves with the command once received (never rejects). */
  readonly received: Promise<ReceivedCommand>;
  /** True once the command arrived. */
  readonly matched: boolean;
  /** Answers the command (for expectations registered without a reply, or to answer again). */
  respond(reply: FakeReply): void;
}

/** Options of `FakeQmpServer.expect`. */
export interface ExpectOptions {
  /** Arguments check; a mismatch is a test failure (and an error reply). */
  args?: ArgsCheck;
  /**
   * The exact line the client must send, with `%ID%` standing for its id as JSON (libvirt's
   * verbatim monitor tests). Checked instead of `args`.
   */
  verbatim?: string;
}

/** @internal */
export class ExpectationImpl implements Expectation {
  matched = false;
  readonly received: Promise<ReceivedCommand>;
  cmd: ReceivedCommand | undefined;
  private resolveReceived!: (c: ReceivedCommand) => void;

  constructor(
    readonly command: string,
    readonly reply: FakeReply | undefined,
    readonly options: ExpectOptions,
    private readonly write: (text: string) => void,
  ) {
    this.received = new Promise((resolve) => {
      this.resolveReceived = resolve;
    });
  }

  /** Returns a failure message when `cmd` is not what this expectation wants. */
  check(cmd: ReceivedCommand): string | undefined {
    if (cmd.command !== this.command) {
      return `expected command ${this.command}, got ${cmd.command} (${cmd.line})`;
    }
    if (this.options.verbatim !== undefined) {
      const want = this.options.verbatim.replaceAll("%ID%", JSON.stringify(cmd.id));
      return cmd.line === want ? undefined : `${cmd.command}: line ${cmd.line} is not ${want}`;
    }
    const check = this.options.args;
    if (check === undefined) return undefined;
    if (typeof check === "function") {
      const verdict = check(cmd.args);
      if (verdict === true || verdict === undefined) return undefined;
      return `${cmd.command}: bad arguments ${JSON.stringify(cmd.args)}${verdict === false ? "" : `: ${verdict}`}`;
    }
    return isDeepStrictEqual(cmd.args ?? {}, check)
      ? undefined
      : `${cmd.command}: arguments ${JSON.stringify(cmd.args)} differ from ${JSON.stringify(check)}`;
  }

  accept(cmd: ReceivedCommand): void {
    this.matched = true;
    this.cmd = cmd;
    this.resolveReceived(cmd);
    if (this.reply !== undefined) this.respond(this.reply);
  }

  respond(reply: FakeReply): void {
    if (!this.cmd) throw new Error(`FakeQmpServer: ${this.command} not received yet`);
    this.write(renderReply(reply, this.cmd));
  }
}

/** The line(s) answering `cmd` with `reply`, each ending in CRLF. */
export function renderReply(reply: FakeReply, cmd: ReceivedCommand): string {
  const r = typeof reply === "function" ? reply(cmd) : reply;
  if (typeof r === "function") return renderReply(r, cmd);
  if ("raw" in r) return `${r.raw.replaceAll("%ID%", JSON.stringify(cmd.id) ?? "null")}\r\n`;
  if ("error" in r) return `${JSON.stringify({ error: r.error, id: cmd.id })}\r\n`;
  return `${JSON.stringify({ return: r.return, id: cmd.id })}\r\n`;
}

/** Parses a line a client sent; returns a failure message for anything but a command. */
export function parseCommandLine(line: string): ReceivedCommand | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return `client sent a line that is not JSON: ${line}`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return `client sent a non-object: ${line}`;
  }
  const v = value as Record<string, unknown>;
  if (typeof v.execute !== "string") return `client sent something else than a command: ${line}`;
  const args = v.arguments;
  if (args !== undefined && (typeof args !== "object" || args === null || Array.isArray(args))) {
    return `client sent non-object arguments: ${line}`;
  }
  return {
    command: v.execute,
    args: args as Record<string, unknown> | undefined,
    id: v.id,
    line,
  };
}

import { isDeepStrictEqual } from "node:util";
import { FORBIDDEN_KEYS } from "../protocol/safe-json.js";
import type { ReceivedCommand } from "./fake-script.js";
import { entryLine, type TranscriptEntry } from "./transcript.js";

type Step =
  | { kind: "send"; line: string }
  | { kind: "await"; recordedId: string; command: string; args: unknown }
  | { kind: "reply"; recordedId: string; reply: Record<string, unknown> };

/**
 * Plays QEMU's side of a recorded session to a live client, in the recorded order: where the
 * client sent a command, the player waits for the live client to send the same one (name and
 * arguments); replies go out with the live command's id. Timing is not replayed: order is what
 * a client depends on.
 * @internal
 */
export class TranscriptPlayer {
  readonly done: Promise<void>;
  finished = false;
  private readonly steps: Step[];
  private at = 0;
  private readonly received: ReceivedCommand[] = [];
  private readonly liveIds = new Map<string, unknown>();
  private resolveDone!: () => void;

  constructor(
    entries: readonly TranscriptEntry[],
    private readonly write: (text: string) => void,
    private readonly fail: (message: string) => void,
  ) {
    this.steps = toSteps(entries);
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    this.advance();
  }

  /** A command arrived from the client. */
  onCommand(cmd: ReceivedCommand): void {
    this.received.push(cmd);
    this.advance();
  }

  private advance(): void {
    while (this.at < this.steps.length) {
      const step = this.steps[this.at];
      if (step.kind === "send") {
        this.write(`${step.line}\r\n`);
      } else if (step.kind === "await") {
        const cmd = this.received.shift();
        if (!cmd) return;
        if (cmd.command !== step.command || !isDeepStrictEqual(cmd.args, step.args)) {
          this.fail(
            `transcript expected ${step.command} ${JSON.stringify(step.args)}, got ${cmd.line}`,
          );
        }
        this.liveIds.set(step.recordedId, cmd.id);
      } else {
        const reply: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(step.reply)) {
          if (!FORBIDDEN_KEYS.has(k)) reply[k] = k === "id" ? this.liveIds.get(step.recordedId) : v;
        }
        this.write(`${JSON.stringify(reply)}\r\n`);
      }
      this.at++;
    }
    this.finished = true;
    this.resolveDone();
    for (const cmd of this.received.splice(0)) {
      this.fail(`command after the end of the transcript: ${cmd.line}`);
    }
  }
}

function toSteps(entries: readonly TranscriptEntry[]): Step[] {
  const sent = new Set<string>();
  const steps: Step[] = [];
  for (const e of entries) {
    const m = e.msg as Record<string, unknown> | undefined;
    if (e.dir === "tx") {
      if (m && typeof m.execute === "string") {
        const recordedId = JSON.stringify(m.id);
        sent.add(recordedId);
        steps.push({ kind: "await", recordedId, command: m.execute, args: m.arguments });
      }
      continue;
    }
    const recordedId = m && ("return" in m || "error" in m) ? JSON.stringify(m.id) : undefined;
    if (m && recordedId !== undefined && sent.has(recordedId)) {
      steps.push({ kind: "reply", recordedId, reply: m });
    } else {
      steps.push({ kind: "send", line: entryLine(e) });
    }
  }
  return steps;
}

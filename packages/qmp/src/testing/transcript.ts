import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { QmpTraceEntry } from "../monitor/monitor-options.js";

/**
 * One line of a recorded QMP session, stored as one JSON object per line (JSON-lines):
 * `{"t": 12.5, "dir": "rx", "msg": {...}}`.
 * - `t`: milliseconds since the first recorded line;
 * - `dir`: `rx` = QEMU → client, `tx` = client → QEMU;
 * - `msg`: the message; `raw` replaces it for a line that was not valid JSON.
 */
export interface TranscriptEntry {
  t: number;
  dir: "rx" | "tx";
  msg?: unknown;
  raw?: string;
}

/**
 * Records a session as it crosses a monitor: pass `recorder.trace` as the monitor's `trace`
 * option, then `save(path)` or `toJsonl()`.
 *
 * @example
 * const recorder = new TranscriptRecorder();
 * const monitor = await connectQmp({ path }, { loop, trace: recorder.trace });
 * ...; recorder.save("test/fixtures/session.jsonl");
 */
export class TranscriptRecorder {
  readonly entries: TranscriptEntry[] = [];
  private start: number | undefined;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** The trace hook (bound; hand it to `QmpMonitorOptions.trace`). */
  readonly trace = (entry: QmpTraceEntry): void => {
    const at = this.now();
    this.start ??= at;
    const t = Math.round((at - this.start) * 1000) / 1000;
    this.entries.push(
      entry.message === undefined
        ? { t, dir: entry.dir, raw: entry.line }
        : { t, dir: entry.dir, msg: JSON.parse(entry.line) },
    );
  };

  /** The session as JSON-lines text. */
  toJsonl(): string {
    return formatTranscript(this.entries);
  }

  /** Writes the session to `path` as JSON-lines. */
  save(path: string): void {
    writeFileSync(path, this.toJsonl());
  }
}

/** Formats entries as JSON-lines text (one entry a line, trailing newline). */
export function formatTranscript(entries: readonly TranscriptEntry[]): string {
  return entries
    .map((e) => JSON.stringify(e))
    .join("\n")
    .concat("\n");
}

/** Parses JSON-lines transcript text; throws on a line that is not an entry. */
export function parseTranscript(text: string): TranscriptEntry[] {
  const entries: TranscriptEntry[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    const e = JSON.parse(line) as TranscriptEntry;
    if ((e.dir !== "rx" && e.dir !== "tx") || typeof e.t !== "number") {
      throw new Error(`transcript line ${i + 1}: not an entry: ${line}`);
    }
    if (e.msg === undefined && typeof e.raw !== "string") {
      throw new Error(`transcript line ${i + 1}: neither msg nor raw`);
    }
    entries.push(e);
  }
  return entries;
}

/** Reads a JSON-lines transcript file. */
export function loadTranscript(path: string): TranscriptEntry[] {
  return parseTranscript(readFileSync(path, "utf8"));
}

/** The line an entry stands for, without line ending (as it was on the wire). */
export function entryLine(e: TranscriptEntry): string {
  return e.raw ?? JSON.stringify(e.msg);
}

/** Everything QEMU sent in a session, as the bytes a client would read (CRLF line ends). */
export function transcriptServerText(entries: readonly TranscriptEntry[]): string {
  return entries
    .filter((e) => e.dir === "rx")
    .map((e) => `${entryLine(e)}\r\n`)
    .join("");
}

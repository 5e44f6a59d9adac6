// QEMU's exact QMP wire format (as qemu-system-x86_64 7.2 writes it: ", " and ": " separators,
// CRLF line ends), for the fake servers of the ingestion and scale workloads.

/** QEMU's greeting, byte for byte as 7.2 sends it. */
export const GREETING =
  '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}, "capabilities": ["oob"]}}\r\n';

/** The command a bench client sends to make a fake server start its burst. */
export const BLAST_COMMAND = "x-bench-blast";

/** The tray id of the last event of a burst, so a consumer that coalesces can see the end. */
export const END_ALIAS = "cd-end";

const BASE_SECONDS = 1_795_000_000;

function timestamp(i: number): string {
  const us = (i * 37) % 1_000_000;
  return `{"seconds": ${BASE_SECONDS + Math.floor(i / 1000)}, "microseconds": ${us}}`;
}

/** One DEVICE_TRAY_MOVED line (140 bytes for `cd0`, as QEMU sends it with -blockdev). */
export function trayMovedLine(i: number, id: string, open: boolean): string {
  return `{"timestamp": ${timestamp(i)}, "event": "DEVICE_TRAY_MOVED", "data": {"device": "", "tray-open": ${open}, "id": "${id}"}}\r\n`;
}

/** One NIC_RX_FILTER_CHANGED line (~165 bytes for `net0`). */
export function nicRxFilterLine(i: number, name: string): string {
  return `{"timestamp": ${timestamp(i)}, "event": "NIC_RX_FILTER_CHANGED", "data": {"name": "${name}", "path": "/machine/peripheral/${name}/virtio-backend"}}\r\n`;
}

/**
 * `count` events alternating DEVICE_TRAY_MOVED (tray toggling) and NIC_RX_FILTER_CHANGED; the
 * last one opens the tray of `endAlias`, so a consumer that coalesces can see the end.
 */
export function burst(count: number, endAlias = END_ALIAS): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < count - 1; i++) {
    lines.push(i % 2 === 0 ? trayMovedLine(i, "cd0", i % 4 === 0) : nicRxFilterLine(i, "net0"));
  }
  lines.push(trayMovedLine(count, endAlias, true));
  return Buffer.from(lines.join(""), "utf8");
}

/** What a fake server answers to `command` (enough for DomainMonitor and both plugins). */
export function replyTo(command: string): unknown {
  switch (command) {
    case "query-status":
      return { status: "running", singlestep: false, running: true };
    case "query-block":
    case "query-rx-filter":
      return [];
    default:
      return {};
  }
}

/** A reply line in QEMU's format. */
export function replyLine(value: unknown, id: unknown): string {
  const body = JSON.stringify(value).replaceAll('":', '": ').replaceAll(',"', ', "');
  return id === undefined
    ? `{"return": ${body}}\r\n`
    : `{"return": ${body}, "id": ${JSON.stringify(id)}}\r\n`;
}

/**
 * Splits `chunk` into lines, keeping the partial tail in `state.tail`: the same split the raw
 * baseline does (string concatenation + indexOf), shared by every raw client in the suite.
 */
export function splitLines(
  state: { tail: string },
  chunk: string,
  onLine: (line: string) => void,
): void {
  let data = state.tail + chunk;
  let nl = data.indexOf("\n");
  let start = 0;
  while (nl !== -1) {
    onLine(data.slice(start, nl));
    start = nl + 1;
    nl = data.indexOf("\n", start);
  }
  data = data.slice(start);
  state.tail = data;
}

// Test helpers of @virtevent/qmp: a scripted fake QMP server, transcripts, real QEMU.

export type { FakeGreeting, FakeQmpServerOptions } from "./fake-qmp-server.js";
export { DEFAULT_GREETING, FakeQmpServer } from "./fake-qmp-server.js";
export type {
  ArgsCheck,
  Expectation,
  ExpectOptions,
  FakeReply,
  ReceivedCommand,
} from "./fake-script.js";
export type { QemuProcess, StartQemuOptions } from "./qemu-process.js";
export {
  DEFAULT_QEMU_DEVICES,
  QEMU_BINARY_ENV,
  QEMU_START_TIMEOUT_MS,
  qemuAvailable,
  qemuBinary,
  REQUIRE_QEMU_ENV,
  requireQemu,
  startQemu,
} from "./qemu-process.js";
export type { TranscriptEntry } from "./transcript.js";
export {
  entryLine,
  formatTranscript,
  loadTranscript,
  parseTranscript,
  TranscriptRecorder,
  transcriptServerText,
} from "./transcript.js";

// Test helpers of @virtevent/core: virtual-time loop, in-memory streams, loop conformance.

export { createDuplexPair, MemoryDuplex } from "./duplex-pair.js";
export type { EventLoopDriver } from "./loop-conformance.js";
export {
  describeEventLoopConformance,
  manualLoopDriver,
  realTimeLoopDriver,
} from "./loop-conformance.js";
export { ManualEventLoop } from "./manual-event-loop.js";

// Preloaded into `virtevent events --json` by the latency workload (`node --import`): prefixes
// every line the CLI writes to stdout with the CLOCK_MONOTONIC time (ns) of the write, so the
// arrival is timed in the client's own process, as the raw client times its own, and not after
// one more pipe hop into the bench. The CLI itself is unchanged.
const write = process.stdout.write.bind(process.stdout) as (chunk: string) => boolean;
(process.stdout as { write: unknown }).write = (chunk: string | Uint8Array): boolean =>
  write(
    `${process.hrtime.bigint()} ${typeof chunk === "string" ? chunk : Buffer.from(chunk).toString()}`,
  );

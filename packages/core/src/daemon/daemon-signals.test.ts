import { isMainThread } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDaemon, deferred, settle } from "./daemon-kit.test.util.js";
import { CLOSE_SIGNALS, RELOAD_SIGNAL } from "./signals.js";

const ALL = [...CLOSE_SIGNALS, RELOAD_SIGNAL] as const;

function counts(): Record<string, number> {
  return Object.fromEntries(ALL.map((s) => [s, process.listenerCount(s)]));
}

describe("createDaemon({ handleSignals })", () => {
  const before = counts();
  afterEach(() => {
    expect(counts()).toEqual(before);
  });

  it("reloads on a real SIGHUP sent to the process and removes its listeners at close", async () => {
    const reloaded = deferred();
    const { daemon } = createTestDaemon({
      handleSignals: true,
      onReload: () => reloaded.resolve(),
    });
    await daemon.start();
    expect(counts()).toEqual(Object.fromEntries(ALL.map((s) => [s, (before[s] ?? 0) + 1])));
    // A real signal reaches this process's listeners only when the test runs in its own process
    // (vitest's default "forks" pool); in a worker thread it would hit the whole runner.
    if (isMainThread) process.kill(process.pid, "SIGHUP");
    else process.emit("SIGHUP", "SIGHUP");
    await reloaded.promise;
    expect(daemon.state).toBe("running");
    await daemon.close();
  });

  it.each(CLOSE_SIGNALS)("closes gracefully on %s", async (signal) => {
    const { daemon, logs } = createTestDaemon({ handleSignals: true });
    await daemon.start();
    // Runs the installed listeners without delivering a real signal to the test runner.
    process.emit(signal, signal);
    await settle();
    expect(daemon.state).toBe("closed");
    expect(logs.some((l) => l.signal === signal && /closing/.test(String(l.msg)))).toBe(true);
  });

  it("logs a failing reload hook instead of crashing", async () => {
    const { daemon, logs } = createTestDaemon({
      handleSignals: true,
      onReload: () => {
        throw new Error("bad config");
      },
    });
    await daemon.start();
    process.emit("SIGHUP", "SIGHUP");
    await settle();
    expect(logs.some((l) => l.msg === "reload failed")).toBe(true);
    expect(daemon.state).toBe("running");
    await daemon.close();
  });

  it("installs nothing without handleSignals", async () => {
    const { daemon } = createTestDaemon();
    await daemon.start();
    expect(counts()).toEqual(before);
    await daemon.close();
  });
});

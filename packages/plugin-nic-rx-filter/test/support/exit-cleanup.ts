import { spawnSync } from "node:child_process";

// Last line of defence for resources a test created: if the test process exits before an
// afterAll/afterEach ran (a crash, a kill by the runner), these synchronous actions still
// remove namespaces and processes. Normal cleanup deregisters them first.
const pending = new Map<number, () => void>();
let nextId = 1;
let installed = false;

function runAll(): void {
  for (const action of [...pending.values()].reverse()) {
    try {
      action();
    } catch {
      // Best effort at exit: nothing left to report to.
    }
  }
  pending.clear();
}

/**
 * Registers `action` to run synchronously at process exit unless the returned function is
 * called first (which deregisters it without running it).
 */
export function onExitCleanup(action: () => void): () => void {
  if (!installed) {
    installed = true;
    process.once("exit", runAll);
  }
  const id = nextId++;
  pending.set(id, action);
  return () => {
    pending.delete(id);
  };
}

/** Runs a command synchronously, ignoring its outcome (exit-time cleanup only). */
export function runQuietlySync(file: string, args: readonly string[]): void {
  spawnSync(file, [...args], { stdio: "ignore", timeout: 5_000 });
}

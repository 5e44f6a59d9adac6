import { execFile } from "node:child_process";

/** Longest a helper command (ip, qemu-img, ...) may run before the test gives up on it. */
export const COMMAND_TIMEOUT_MS = 15_000;

/** What a finished command printed. */
export interface CommandOutput {
  stdout: string;
  stderr: string;
}

/**
 * Runs `file args...` without a shell and resolves with its output; rejects with an error that
 * names the command and carries its stderr when it exits non-zero or times out.
 */
export function runCommand(
  file: string,
  args: readonly string[],
  timeoutMs = COMMAND_TIMEOUT_MS,
): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: timeoutMs, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error) {
        const detail = stderr.trim() || error.message;
        reject(new Error(`${file} ${args.join(" ")} failed: ${detail}`, { cause: error }));
        return;
      }
      resolve({ stdout, stderr });
    });
  });
}

/** Resolves after `ms` milliseconds (polling loops only; never used to assert timing). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `probe` every `intervalMs` until it returns a value other than `undefined`, or rejects
 * after `timeoutMs` with `what` in the message. An error thrown by `probe` ends the wait at once.
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

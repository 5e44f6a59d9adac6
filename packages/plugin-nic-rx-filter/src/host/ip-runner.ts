import { spawn } from "node:child_process";
import { IpCommandError, NicRxAbortedError } from "../errors/nic-rx-errors.js";

/** Longest one `ip` invocation may run before it is killed. */
export const IP_COMMAND_TIMEOUT_MS = 10_000;
/** Output kept from one `ip` invocation (a full `ip -j maddr show` is a few KiB). */
export const MAX_IP_OUTPUT_BYTES = 1024 * 1024;

/** Options of one {@link IpRunner} call. */
export interface IpRunOptions {
  signal?: AbortSignal;
}

/**
 * Runs `ip` with an argument array (never through a shell) and resolves with its stdout;
 * rejects with {@link IpCommandError} (non-zero exit, timeout) or `NIC_RX_ERR_ABORTED`.
 * Replaceable so the adapter's batching can be tested without touching the host.
 */
export type IpRunner = (args: readonly string[], options?: IpRunOptions) => Promise<string>;

/** The real runner: spawns `ipPath` (default `ip`) with a timeout and bounded output. */
export function createIpRunner(ipPath = "ip", timeoutMs = IP_COMMAND_TIMEOUT_MS): IpRunner {
  return (args, options = {}) =>
    new Promise((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new NicRxAbortedError({ cause: options.signal.reason }));
        return;
      }
      const child = spawn(ipPath, [...args], {
        stdio: ["ignore", "pipe", "pipe"],
        timeout: timeoutMs,
        signal: options.signal,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outBytes = 0;
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        outBytes += chunk.length;
        if (outBytes <= MAX_IP_OUTPUT_BYTES) into.push(chunk);
        else child.kill("SIGKILL");
      };
      child.stdout?.on("data", collect(out));
      child.stderr?.on("data", collect(err));
      child.on("error", (e) => {
        if (options.signal?.aborted) reject(new NicRxAbortedError({ cause: e }));
        else reject(new IpCommandError(args, undefined, e.message, { cause: e }));
      });
      child.on("close", (code, signal) => {
        const stderr = Buffer.concat(err).toString("utf8").trim();
        if (options.signal?.aborted)
          reject(new NicRxAbortedError({ cause: options.signal.reason }));
        else if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
        else if (outBytes > MAX_IP_OUTPUT_BYTES) {
          reject(new IpCommandError(args, undefined, `output over ${MAX_IP_OUTPUT_BYTES} bytes`));
        } else reject(new IpCommandError(args, code ?? undefined, stderr || `killed by ${signal}`));
      });
    });
}

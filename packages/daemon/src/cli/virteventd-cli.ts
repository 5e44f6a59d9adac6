import { Command, CommanderError } from "commander";
import { loadConfig } from "../config/load-config.js";
import { isDaemonError } from "../daemon-error.js";
import { Virteventd } from "../virteventd/virteventd.js";
import type { CliIo } from "./virtevent-cli.js";
import { EXIT } from "./virtevent-cli.js";

/** Signals that stop the daemon gracefully. */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGQUIT"] as const;

/**
 * Runs `virteventd` with `argv` (without node and script). Resolves with the exit code once
 * the daemon stopped: 0 after a signal, 2 for bad flags or configuration (nothing started),
 * 1 when it could not start for another reason.
 */
export async function runVirteventd(argv: string[], io: CliIo): Promise<number> {
  const program = new Command("virteventd")
    .description("The virtevent reference daemon: follows QEMU domains and serves their events.")
    .requiredOption("-c, --config <file>", "the JSON configuration file")
    .option("--check", "validate the configuration and exit")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s.trimEnd()),
      writeErr: (s) => io.stderr(s.trimEnd()),
    });
  try {
    program.parse(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    throw e;
  }
  const opts = program.opts<{ config: string; check?: boolean }>();
  let daemon: Virteventd;
  try {
    const config = await loadConfig(opts.config);
    if (opts.check) {
      io.stdout(`${opts.config}: configuration is valid`);
      return EXIT.OK;
    }
    daemon = new Virteventd(config, { configPath: opts.config });
    await daemon.start();
  } catch (e) {
    io.stderr(`virteventd: ${e instanceof Error ? e.message : String(e)}`);
    return isDaemonError(e, "DAEMON_ERR_CONFIG") ? EXIT.USAGE : EXIT.FAILED;
  }
  return new Promise<number>((resolve) => {
    const onStop = (signal: string) => {
      io.stderr(`virteventd: ${signal} received, stopping`);
      for (const s of STOP_SIGNALS) process.removeListener(s, onStop);
      process.removeListener("SIGHUP", onHup);
      daemon.close().then(
        () => resolve(EXIT.OK),
        (e: Error) => {
          io.stderr(`virteventd: error while stopping: ${e.message}`);
          resolve(EXIT.FAILED);
        },
      );
    };
    const onHup = () => {
      void daemon.reload();
    };
    for (const s of STOP_SIGNALS) process.on(s, onStop);
    process.on("SIGHUP", onHup);
  });
}

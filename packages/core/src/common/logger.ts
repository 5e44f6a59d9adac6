import { type Logger as PinoLogger, pino } from "pino";

/** The structured logger every virtevent service receives (pino). Use `domain`, `plugin` and
 * `event` fields rather than interpolating them into the message. */
export type Logger = PinoLogger;

/**
 * A pino logger at `level` writing JSON lines to stderr (stdout is left to CLIs).
 *
 * @example
 * const logger = createLogger({ level: "debug" });
 */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino(
    { level: options.level ?? "info", name: options.name ?? "virtevent" },
    pino.destination(2),
  );
}

/** A logger that discards everything (default in tests and embedders that pass none). */
export function createSilentLogger(): Logger {
  return pino({ level: "silent" });
}

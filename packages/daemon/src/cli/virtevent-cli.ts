import { resolve as resolvePath } from "node:path";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { ApiClient, type ApiNotification } from "../api/api-client.js";
import { isDaemonError } from "../daemon-error.js";
import { type EventNotificationParams, formatEventLine } from "./format-event.js";

/** Where the CLI looks for the daemon when neither --socket nor VIRTEVENT_SOCKET says. */
export const DEFAULT_SOCKET_PATH = "/run/virtevent/virteventd.sock";

/** Output streams of the CLI (the process's own, or a test's). */
export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** Bad usage found after parsing (combinations commander cannot express). */
class UsageError extends Error {}

/** Exit codes: 0 success, 1 the operation failed, 2 bad usage. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0)
      throw new InvalidArgumentError(`${name} must be a positive integer, got "${v}"`);
    return n;
  };
}

function positiveNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(`${name} must be a positive number of seconds, got "${v}"`);
    return n;
  };
}

/**
 * Runs the `virtevent` CLI with `argv` (without node and script) and returns its exit code.
 * Every command talks to virteventd over its API socket.
 */
export async function runVirteventCli(argv: string[], io: CliIo): Promise<number> {
  const env = io.env ?? process.env;
  let code: number = EXIT.OK;
  const program = new Command("virtevent")
    .description("Talk to virteventd: list domains, follow events, change media.")
    .option(
      "-s, --socket <path>",
      "the daemon's API socket",
      env.VIRTEVENT_SOCKET ?? DEFAULT_SOCKET_PATH,
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s.trimEnd()),
      writeErr: (s) => io.stderr(s.trimEnd()),
    })
    .showHelpAfterError(false);

  const withClient = async (fn: (client: ApiClient) => Promise<void>) => {
    const client = await ApiClient.connect(program.opts<{ socket: string }>().socket);
    try {
      await fn(client);
    } finally {
      client.close();
    }
  };

  program
    .command("domains")
    .description("list the daemon's domains with their state and devices")
    .option("--json", "print the raw JSON")
    .action(async (opts: { json?: boolean }) => {
      await withClient(async (client) => {
        const result = (await client.call("domains.list")) as {
          domains: Array<{ name: string; uuid: string; state: string; devices: unknown }>;
        };
        if (opts.json) {
          io.stdout(JSON.stringify(result.domains));
          return;
        }
        for (const d of result.domains) io.stdout(`${d.name}\t${d.state}\t${d.uuid}`);
      });
    });

  program
    .command("events")
    .description("print events as they happen (like virsh event --loop)")
    .option("-d, --domain <name|uuid>", "only this domain")
    .option("-e, --event <id>", "only this event id (e.g. tray-change, lifecycle)")
    .option("-c, --count <n>", "exit after n events", positiveInt("--count"))
    .option("-t, --timeout <seconds>", "exit after this many seconds", positiveNumber("--timeout"))
    .option("--json", "one JSON object per line")
    .action(
      async (opts: {
        domain?: string;
        event?: string;
        count?: number;
        timeout?: number;
        json?: boolean;
      }) => {
        await withClient(async (client) => {
          let seen = 0;
          await new Promise<void>((resolve, reject) => {
            const timer = opts.timeout ? setTimeout(resolve, opts.timeout * 1000) : undefined;
            const finish = (e?: Error) => {
              if (timer) clearTimeout(timer);
              if (e) reject(e);
              else resolve();
            };
            client.onClose(() => finish(new Error("virteventd closed the connection")));
            client.onNotification((n: ApiNotification) => {
              if (n.method === "gap") {
                io.stderr(`virtevent: events were lost (${JSON.stringify(n.params)})`);
                return;
              }
              if (n.method !== "event") return;
              const params = n.params as EventNotificationParams;
              io.stdout(opts.json ? JSON.stringify(params) : formatEventLine(params));
              seen++;
              if (opts.count !== undefined && seen >= opts.count) finish();
            });
            client.call("events.register", { event: opts.event, domain: opts.domain }).then(
              // On stderr, so that scripts know nothing after this point can be missed.
              () => io.stderr("virtevent: listening for events"),
              finish,
            );
          });
        });
      },
    );

  for (const [verb, method, help] of [
    ["start", "domains.start", "start a domain the daemon launches (its QEMU)"],
    ["stop", "domains.stop", "stop a domain the daemon launched (its QEMU exits)"],
  ] as const) {
    program
      .command(verb)
      .description(help)
      .argument("<domain>", "domain name or uuid")
      .action(async (domain: string) => {
        await withClient(async (client) => {
          await client.call(method, { domain }, 60_000);
          io.stdout(`${domain}: ${verb === "start" ? "started" : "stopped"}`);
        });
      });
  }

  program
    .command("change-media")
    .description("eject the medium of a drive, or insert a new one")
    .argument("<domain>", "domain name or uuid")
    .argument("<alias>", "the drive's id, e.g. cd0")
    .option("--eject", "remove the medium")
    .option("--insert <file>", "insert this image file")
    .option("--force", "open the tray even if the guest locked it")
    .option(
      "--timeout <seconds>",
      "how long the guest may take to open the tray",
      positiveNumber("--timeout"),
    )
    .action(
      async (
        domain: string,
        alias: string,
        opts: { eject?: boolean; insert?: string; force?: boolean; timeout?: number },
      ) => {
        if (!opts.eject === !opts.insert) {
          throw new UsageError("give exactly one of --eject or --insert FILE");
        }
        await withClient(async (client) => {
          const result = await client.call(
            "media.change",
            {
              domain,
              alias,
              eject: opts.eject,
              // The daemon opens the file itself: hand it an absolute path.
              insert: opts.insert === undefined ? undefined : resolvePath(opts.insert),
              force: opts.force,
              timeoutMs: opts.timeout === undefined ? undefined : Math.round(opts.timeout * 1000),
            },
            (opts.timeout ?? 30) * 1000 + 10_000,
          );
          io.stdout(JSON.stringify(result));
        });
      },
    );

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`virtevent: ${e.message}`);
      code = EXIT.USAGE;
    } else if (e instanceof CommanderError) {
      // Commander already printed its message.
      code = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    } else {
      io.stderr(`virtevent: ${isDaemonError(e) || e instanceof Error ? e.message : String(e)}`);
      code = EXIT.FAILED;
    }
  }
  return code;
}

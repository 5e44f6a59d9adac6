#!/usr/bin/env node
import { runVirteventCli } from "../cli/virtevent-cli.js";

const code = await runVirteventCli(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
process.exitCode = code;

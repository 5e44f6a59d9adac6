#!/usr/bin/env node
import "reflect-metadata";
import { runVirteventd } from "../cli/virteventd-cli.js";

const code = await runVirteventd(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
});
process.exit(code);

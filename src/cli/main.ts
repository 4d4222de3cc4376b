#!/usr/bin/env node
import type { CliIO } from './common.js';
import { runCli } from './program.js';

const io: CliIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  ...(process.stderr.isTTY ? { progressStream: process.stderr } : {}),
};

const code = await runCli(process.argv.slice(2), io);
// Flush stdout before exiting, then exit explicitly: a WebGPU device can keep the process alive.
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
process.exit(code);

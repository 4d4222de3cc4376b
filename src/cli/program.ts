import { Command, CommanderError } from 'commander';
import { AtrousError } from '../errors.js';
import { packageVersion } from './assets.js';
import { registerBench } from './bench.js';
import { type CliIO, UsageError } from './common.js';
import { registerCrf } from './crf.js';
import { registerEval } from './eval.js';
import { registerInfo } from './info.js';
import { registerRun } from './run.js';
import { registerSegment } from './segment.js';
import { registerZoo } from './zoo.js';

/** Builds the `atrous` command tree, writing through `io`. */
export function createProgram(io: CliIO): Command {
  const program = new Command('atrous')
    .description('run semantic-segmentation networks (ONNX) with the atrous engine')
    .version(packageVersion(), '-V, --version')
    // Settings before the subcommands: they copy them when created.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
      outputError: (s, write) => write(s.replace(/^error: /, 'atrous: ')),
    })
    .showHelpAfterError("(run 'atrous help' or add --help for usage)");
  registerRun(program, io);
  registerInfo(program, io);
  registerSegment(program, io);
  registerBench(program, io);
  registerEval(program, io);
  registerCrf(program, io);
  registerZoo(program, io);
  return program;
}

/**
 * Runs the CLI on `argv` (without node and script) and returns the exit code: 0 on success,
 * 1 for errors about models, files and data (AtrousError), 2 for a bad command line.
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UsageError) {
      io.err(`atrous: ${e.message}`);
      return 2;
    }
    if (e instanceof AtrousError) {
      io.err(`atrous: ${e.message}`);
      if (process.env.ATROUS_DEBUG) io.err(e.stack ?? '');
      return 1;
    }
    // Not an error we expect: a bug, so the stack helps.
    io.err(`atrous: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  }
}

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatProfile } from '../engine/profile.js';
import type { Session } from '../engine/session.js';
import { FileError } from '../errors.js';
import { type CliIO, UsageError } from './common.js';

/** Flags shared by `run` and `bench` for looking inside a backend. */
export interface InspectOptions {
  profile?: boolean;
  dumpWgsl?: string;
}

/** `--dump-wgsl` needs shaders: only the webgpu backend has them. */
export function checkInspectOptions(opts: InspectOptions & { backend: string }): void {
  if (opts.dumpWgsl !== undefined && opts.backend !== 'webgpu') {
    throw new UsageError(`--dump-wgsl needs --backend webgpu (the ${opts.backend} backend runs no shaders)`);
  }
}

/** Prints the last run's per-node profile as a table (or says why there is none). */
export function printProfile(session: Session, io: CliIO): void {
  const profile = session.lastProfile();
  if (!profile) {
    io.err(`atrous: note: the ${session.backend} backend does not profile nodes yet`);
    return;
  }
  for (const line of formatProfile(profile)) io.out(line);
}

/**
 * Writes the exact text of every shader the session's pipelines use as DIR/<stem>-<hash>.wgsl and
 * DIR/index.json: one entry per pipeline request, { node, op, file, overrides }.
 */
export async function dumpWgsl(session: Session, dir: string, io: CliIO): Promise<void> {
  const dump = session.shaders();
  if (!dump) throw new UsageError(`--dump-wgsl: the ${session.backend} backend runs no shaders`);
  try {
    await mkdir(dir, { recursive: true });
    for (const [file, text] of dump.files) await writeFile(join(dir, file), text);
    await writeFile(join(dir, 'index.json'), `${JSON.stringify(dump.uses, null, 2)}\n`);
  } catch (e) {
    throw new FileError(dir, `cannot write the WGSL dump: ${(e as Error).message}`);
  }
  io.err(`atrous: wrote ${dump.files.size} shader file(s) for ${dump.uses.length} pipeline use(s) to ${dir}`);
}

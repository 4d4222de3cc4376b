import cliProgress from 'cli-progress';
import type { CliIO } from './common.js';

export interface Progress {
  /** Moves to step `value` (of `total`), showing `stage`. */
  update(value: number, stage?: string): void;
  /** Removes the bar; safe to call more than once. */
  stop(): void;
}

const SILENT: Progress = { update() {}, stop() {} };

/** A progress bar on stderr, only when stderr is a terminal (pipes and logs stay clean). */
export function progress(io: CliIO, label: string, total: number): Progress {
  const stream = io.progressStream;
  if (!stream) return SILENT;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {value}/{total} {stage}`,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { stage: '' });
  let running = true;
  return {
    update(value, stage = '') {
      bar.update(value, { stage });
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}

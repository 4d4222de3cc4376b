// Child process: runs the selected workloads in onnxruntime-web with one thread count (ORT's
// numThreads is process-wide and fixed at the first session) and sends each outcome to the parent.
import { message, ortLabel, type RunOutcome } from './harness.js';
import { configureOrt, ortVersion, runOrtWorkload } from './ort-runner.js';
import type { TimingOptions } from './timing.js';
import { type SizeName, selectWorkloads } from './workloads.js';

export interface WorkerArgs {
  threads: number;
  only: string[];
  size: SizeName;
  timing: TimingOptions;
}

export interface WorkerMessage {
  workload: string;
  outcome: RunOutcome;
  ortVersion: string;
}

function send(msg: WorkerMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) {
      reject(new Error('bench/ort-worker must be started by bench/run with an IPC channel'));
      return;
    }
    process.send(msg, undefined, {}, (e) => (e ? reject(e) : resolve()));
  });
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as WorkerArgs;
  configureOrt(args.threads);
  const label = ortLabel(args.threads);
  for (const w of selectWorkloads(args.only)) {
    process.stderr.write(`[bench] ${w.name} on ${label}\n`);
    let outcome: RunOutcome;
    try {
      outcome = await runOrtWorkload(w.build(args.size), args.timing);
    } catch (e) {
      outcome = { status: 'failed', reason: message(e) };
    }
    await send({ workload: w.name, outcome, ortVersion: ortVersion() });
  }
}

main().then(
  // ORT's pthread workers would keep the process alive.
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`[bench] ort worker: ${message(e)}\n`);
    process.exit(1);
  },
);

import { readdirSync, readFileSync } from 'node:fs';
import Benchmark from 'benchmark';

/** How long to measure: warm-up calls first, then Benchmark.js until minSamples and maxTime (s). */
export interface TimingOptions {
  warmup: number;
  minSamples: number;
  maxTime: number;
}

/** Full: ~5 samples per row (≈ 12 s for a 2 s ref run); quick: enough to see the path works. */
export const TIMING: Record<'full' | 'quick', TimingOptions> = {
  full: { warmup: 2, minSamples: 5, maxTime: 2 },
  quick: { warmup: 1, minSamples: 2, maxTime: 0.1 },
};

export interface Timing {
  medianMs: number;
  meanMs: number;
  /** Relative margin of error of the mean (%), from Benchmark.js. */
  rmePct: number;
  samples: number;
  /** Process CPU time / wall time over the timed part: ≈ the number of busy threads. */
  cpuPerWall: number;
  /** CPU / wall of each thread that did ≥ 5 % of the process's work, busiest first (Linux only). */
  threadLoads: number[];
}

/** Times an async call with Benchmark.js (defer: true) after `warmup` untimed calls. */
export async function timeAsync(fn: () => Promise<unknown>, opts: TimingOptions): Promise<Timing> {
  for (let i = 0; i < opts.warmup; i++) await fn();
  let failure: unknown;
  const threads0 = threadTicks();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const bench = await new Promise<Benchmark>((resolve, reject) => {
    const b: Benchmark = new Benchmark({
      defer: true,
      initCount: 1,
      minSamples: opts.minSamples,
      maxTime: opts.maxTime,
      fn: (deferred: Benchmark.Deferred) => {
        fn().then(
          () => deferred.resolve(),
          (e: unknown) => {
            failure ??= e;
            deferred.resolve();
          },
        );
      },
      onComplete: () => resolve(b),
      onError: () => reject(b.error),
    });
    b.run({ async: true });
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (failure !== undefined) throw failure;
  const sample = (bench.stats.sample as number[]).map((s) => s * 1000);
  return {
    medianMs: median(sample),
    meanMs: bench.stats.mean * 1000,
    rmePct: bench.stats.rme,
    samples: sample.length,
    cpuPerWall: (cpu.user + cpu.system) / 1000 / wallMs,
    threadLoads: threadLoads(threads0, threadTicks(), wallMs),
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** utime + stime (clock ticks) of every thread of this process, from /proc (Linux). */
function threadTicks(): Map<string, number> {
  const ticks = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(tid, Number(f[11]) + Number(f[12]));
    }
  } catch {
    // Not Linux: per-thread numbers are simply not reported.
  }
  return ticks;
}

const TICKS_PER_SECOND = 100; // USER_HZ on every Linux we run on

function threadLoads(before: Map<string, number>, after: Map<string, number>, wallMs: number): number[] {
  const ticks = [...after].map(([tid, t]) => t - (before.get(tid) ?? 0));
  const total = ticks.reduce((a, t) => a + t, 0);
  return ticks
    .filter((t) => t > 0 && t >= 0.05 * total)
    .map((t) => Math.round((t / TICKS_PER_SECOND / (wallMs / 1000)) * 100) / 100)
    .sort((a, b) => b - a);
}

/** Threads doing at least 20 % of the CPU work: 2 when a 2-thread run really runs on 2 threads. */
export function busyThreads(loads: readonly number[]): number {
  const total = loads.reduce((a, l) => a + l, 0);
  return loads.filter((l) => l >= 0.2 * total).length;
}

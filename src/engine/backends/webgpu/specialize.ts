import { AtrousError } from '../../../errors.js';

/**
 * Specialises a WGSL kernel to the override constants of one pipeline, by text. A kernel may mark
 * regions that only some values of an override need, with comment lines:
 *
 *     // #if CBK > 1
 *     ...
 *     // #endif
 *
 * Conditions: `NAME > n`, `NAME < n`, `NAME == n` and `NAME & n` (some bit of n set). Regions nest.
 * The file stays complete WGSL as written: the code in a region tests the same override itself
 * (`if (CBK > 1u) { ... }`), so dropping the region only removes code those tests would skip. Why
 * drop it, then: on a software adapter a pipeline's compile time grows with its code, dead code
 * included (Chromium/SwiftShader, conv_gemm.wgsl at CBK 1 without its features: ~130 ms
 * specialised, ~180 ms by overrides alone).
 * A region whose override is not among `constants` stays (the pipeline runs the declared default).
 * The directive lines go too, so a compile error's line number refers to the specialised text
 * (what --dump-wgsl writes).
 */
export function specializeWgsl(text: string, constants: Readonly<Record<string, number>>): string {
  if (!text.includes('// #')) return text;
  const out: string[] = [];
  // One entry per open region: whether its lines are kept.
  const open: boolean[] = [];
  let kept = true;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const directive = /^\s*\/\/ #(\w+)\s*(.*?)\s*$/.exec(line);
    if (!directive) {
      if (kept) out.push(line);
      continue;
    }
    const [, word, rest] = directive;
    if (word === 'if') {
      open.push(kept);
      kept = kept && holds(rest as string, constants, i + 1);
    } else if (word === 'endif' && rest === '') {
      const outer = open.pop();
      if (outer === undefined) throw new WgslDirectiveError(i + 1, '#endif without #if');
      kept = outer;
    } else {
      throw new WgslDirectiveError(i + 1, `unknown directive '${line.trim()}'`);
    }
  }
  if (open.length > 0) throw new WgslDirectiveError(lines.length, `${open.length} #if without #endif`);
  return out.join('\n');
}

/**
 * Whether pipelines compile their kernel specialised (the default). Tests turn it off to run the
 * kernels as written, which must give the same results (test/webgpu/as-written.test.ts).
 */
export const specialization = { enabled: true };

/** A kernel's specialisation directive is malformed (a bug in the kernel, named by its line). */
export class WgslDirectiveError extends AtrousError {
  constructor(line: number, what: string) {
    super('INTERNAL', `WGSL specialisation directive at line ${line}: ${what}`);
  }
}

function holds(condition: string, constants: Readonly<Record<string, number>>, line: number): boolean {
  const m = /^([A-Za-z_]\w*)\s*(>|<|==|&)\s*(\d+)$/.exec(condition);
  if (!m)
    throw new WgslDirectiveError(
      line,
      `cannot read condition '${condition}' (NAME >, <, == or & an integer)`,
    );
  const [, name, op, literal] = m;
  const value = constants[name as string];
  if (value === undefined) return true;
  const n = Number(literal);
  switch (op) {
    case '>':
      return value > n;
    case '<':
      return value < n;
    case '==':
      return value === n;
    default:
      return ((value >>> 0) & n) !== 0;
  }
}

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The generated kernels (kernels/conv_gemm*.wgsl, kernels/resize*.wgsl, kernels/depthwise_row.wgsl) match what their generators
 * (src/engine/backends/webgpu/tools/) write now: an edit to one without rerunning it fails here.
 */
const TOOLS = 'src/engine/backends/webgpu/tools';
const GENERATED: Record<string, string[]> = {
  'gen_conv_gemm.py': ['conv_gemm', 'conv_gemm_nosg'],
  'gen_resize.py': ['resize', 'resize_softmax', 'resize_argmax'],
  'gen_depthwise_row.py': ['depthwise_row'],
};

function python(): string | undefined {
  for (const cmd of ['python3', 'python']) {
    try {
      execFileSync(cmd, ['--version'], { stdio: 'ignore' });
      return cmd;
    } catch {}
  }
  return undefined;
}

const py = python();
if (!py) console.warn('generated-kernel check skipped: no python3');
const out = mkdtempSync(join(tmpdir(), 'atrous-wgsl-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe.skipIf(!py)('generated WGSL kernels are in sync with their generators', () => {
  for (const [tool, stems] of Object.entries(GENERATED)) {
    it(`${tool} → ${stems.join(', ')}`, () => {
      execFileSync(py as string, [join(TOOLS, tool), out]);
      for (const stem of stems) {
        const want = readFileSync(join(out, `${stem}.wgsl`), 'utf8');
        expect(
          readFileSync(`kernels/${stem}.wgsl`, 'utf8'),
          `kernels/${stem}.wgsl: rerun ${TOOLS}/${tool}`,
        ).toBe(want);
      }
    });
  }
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../src/cli/info.js';
import { cli, convReluModel, removeWorkDirs, sigmoidSegModel, workDir } from './models.js';

let conv: string;
let symbolic: string;

beforeAll(() => {
  const dir = workDir();
  conv = convReluModel(dir);
  symbolic = sigmoidSegModel(dir, [1, 3, 'H', 'W'], 'symbolic.onnx');
});

afterAll(removeWorkDirs);

describe('atrous info', () => {
  it('prints inputs, outputs, the op histogram, parameters and FLOPs', async () => {
    const r = await cli('info', conv);
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    expect(text).toContain("(graph 'conv-relu', opset 17)");
    expect(text).toContain('inputs:\n  x: float32 [1, 3, 4, 4]');
    expect(text).toContain('outputs:\n  y: float32 [1, 2, 4, 4]');
    expect(text).toContain('nodes: 2');
    expect(text).toContain('parameters: 8 (32 bytes)');
    // Conv: 2 * 32 outputs * 3 inputs per output = 192; Relu: one per output element = 32.
    expect(text).toMatch(/ {2}Conv +1 {2}192 FLOPs/);
    expect(text).toMatch(/ {2}Relu +1 {2}32 FLOPs/);
    expect(text).toContain('total: 224 FLOPs');
  });

  it('--json gives the same facts as one object', async () => {
    const r = await cli('info', conv, '--json');
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    const info = JSON.parse(r.out[0] as string) as ModelInfo;
    expect(info.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: [1, 3, 4, 4] }]);
    expect(info.outputs).toEqual([{ name: 'y', dtype: 'float32', shape: [1, 2, 4, 4] }]);
    expect(info.parameters).toBe(8);
    expect(info.parameterBytes).toBe(32);
    expect(info.ops).toEqual({
      Conv: { count: 1, flops: 192, unknown: 0 },
      Relu: { count: 1, flops: 32, unknown: 0 },
    });
    expect(info.totalFlops).toBe(224);
    expect(info.flopsComplete).toBe(true);
  });

  it('--optimize describes the graph after fusion', async () => {
    const info = JSON.parse((await cli('info', conv, '--json', '--optimize')).out[0] as string) as ModelInfo;
    expect(info.ops.Relu).toBeUndefined();
    expect(info.ops.Conv?.count).toBe(1);
  });

  it('says FLOPs are unknown for symbolic dims, and --shape makes them known', async () => {
    const r = await cli('info', symbolic);
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    expect(text).toContain('image: float32 [1, 3, H, W]');
    expect(text).toMatch(/Sigmoid +1 {2}FLOPs unknown \(symbolic dims in 1 of 1 nodes\)/);
    expect(text).toMatch(/total: 0 FLOPs \(known part only/);
    const known = await cli('info', symbolic, '--json', '--shape', '1x3x10x20');
    const info = JSON.parse(known.out[0] as string) as ModelInfo;
    expect(info.ops.Sigmoid).toEqual({ count: 1, flops: 600, unknown: 0 });
    expect(info.inputs[0]?.shape).toEqual([1, 3, 10, 20]);
  });

  it('rejects a --shape that contradicts the model', async () => {
    const r = await cli('info', conv, '--shape', '1x3x5x5');
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/input 'x' has shape \[1, 3, 5, 5\], the model expects \[1, 3, 4, 4\]/);
    expect((await cli('info', conv, '--shape', '1xAx5')).code).toBe(2);
  });

  it('reports a missing model by path', async () => {
    const r = await cli('info', '/nonexistent/model.onnx');
    expect(r.code).toBe(1);
    expect(r.err).toEqual(['atrous: /nonexistent/model.onnx: no such file or directory']);
  });
});

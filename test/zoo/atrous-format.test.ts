import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { ModelFormatError, UnsupportedOpError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { importModel } from '../../src/graph/import/index.js';
import type { Graph } from '../../src/graph/ir.js';
import { ATROUS_ALIGN, type AtrousHeader } from '../../src/graph/serialize/atrous-format.js';
import { loadAtrous, saveAtrous } from '../../src/graph/serialize/index.js';
import { Rng } from '../../src/util/random.js';
import { expectClose } from '../helpers/compare.js';

/**
 * A small segmentation-like net that exercises the format: symbolic dims, int64 initializers,
 * a Constant node with a tensor attribute, float/int/string/list attributes, metadata.
 */
function net(): Graph {
  const b = new GraphBuilder('fmt-net', { seed: 4 });
  const x = b.input('image', [1, 3, 'H', 'W']);
  let y = b.op('Conv', [x, b.param('c1.weight', [8, 3, 3, 3]), b.param('c1.bias', [8])], {
    pads: [2, 2, 2, 2],
    dilations: [2, 2],
    activation: 'Clip',
    activation_params: [0, 6],
  });
  y = b.op('LeakyRelu', [y], { alpha: 0.1 });
  const scales = b.op('Constant', [], { value: Tensor.fromNumbers('float32', [4], [1, 1, 2, 2]) });
  y = b.op('Resize', [y, '', scales], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' });
  y = b.op('Conv', [y, b.param('head.weight', [5, 8, 1, 1])]);
  b.output(b.op('Softmax', [y], { axis: 1 }));
  const g = b.build();
  g.initializers.set('unused.index', Tensor.fromNumbers('int64', [3], [-1, 2 ** 40, 5]));
  return { ...g, metadata: { description: 'test net', mean: '0.5,0.5,0.5' } };
}

const header = (bytes: Uint8Array): AtrousHeader => {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + n))) as AtrousHeader;
};

describe('.atrous format', () => {
  it('save → load round-trips exactly (fp32), tensors aligned to 64 bytes', () => {
    const g = net();
    const bytes = saveAtrous(g);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('ATRS');
    const back = loadAtrous(bytes);
    expect(back).toEqual(g);
    expect([...back.initializers.keys()]).toEqual([...g.initializers.keys()]);
    const h = header(bytes);
    const dataStart = Math.ceil((12 + new DataView(bytes.buffer).getUint32(8, true)) / 64) * 64;
    for (const e of [...h.initializers, ...h.attrTensors])
      expect((dataStart + e.offset) % ATROUS_ALIGN).toBe(0);
    // Saving what was loaded gives the same bytes.
    expect(saveAtrous(back)).toEqual(bytes);
  });

  it('keeps non-finite and negative-zero attributes and strings lists', () => {
    const g: Graph = {
      name: 'odd',
      opset: 13,
      inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 4] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 4] }],
      initializers: new Map(),
      nodes: [
        {
          name: 'n',
          op: 'Relu',
          inputs: ['x'],
          outputs: ['y'],
          attrs: {
            a: Number.NEGATIVE_INFINITY,
            b: [Number.NaN, Number.POSITIVE_INFINITY, -0, 1e-300, 3],
            c: ['p', 'q'],
            d: -0,
            e: [],
            t: Tensor.fromNumbers('bool', [2], [1, 0]),
          },
        },
      ],
    };
    expect(loadAtrous(saveAtrous(g))).toEqual(g);
    expect(Object.is(loadAtrous(saveAtrous(g)).nodes[0]?.attrs.d, -0)).toBe(true);
  });

  it('fp16 storage halves the weights and loads float32 values within half precision', () => {
    const g = net();
    const big = saveAtrous(g);
    const small = saveAtrous(g, { fp16: true });
    const floatBytes = (b: Uint8Array) =>
      header(b).initializers.reduce((n, e) => n + (e.dtype === 'float32' ? e.bytes : 0), 0);
    expect(floatBytes(small) * 2).toBe(floatBytes(big));
    expect(small.byteLength).toBeLessThan(big.byteLength);
    expect(header(small).initializers.find((e) => e.name === 'c1.weight')?.storage).toBe('f16');
    expect(header(small).initializers.find((e) => e.name === 'unused.index')?.storage).toBe('raw');
    const back = loadAtrous(small);
    expect(back.nodes).toEqual(g.nodes);
    for (const [name, t] of g.initializers) {
      const b = back.initializers.get(name) as Tensor;
      expect(b.dtype, name).toBe(t.dtype);
      if (t.dtype !== 'float32') expect(b, name).toEqual(t);
      // |v| ≤ 0.5 here: half's spacing is ≤ 2^-12, rounding error ≤ half of that.
      else expectClose(b, t, { atol: 2 ** -13, rtol: 2 ** -11 }, name);
    }
  });

  it('keeps a tensor float32 when its values do not fit in half', () => {
    const g = net();
    g.initializers.set('c1.bias', Tensor.fromNumbers('float32', [8], [1e5, 0, 0, 0, 0, 0, 0, 0]));
    const back = loadAtrous(saveAtrous(g, { fp16: true }));
    expect(back.initializers.get('c1.bias')).toEqual(g.initializers.get('c1.bias'));
  });

  it('Session.create on .atrous bytes gives the same outputs as on the graph', async () => {
    const g = net();
    const x = new Tensor('float32', [1, 3, 6, 5], new Rng(3).floats(90));
    const ref = await Session.create(g);
    const fromBytes = await Session.create(saveAtrous(g));
    const expected = await ref.run({ image: x });
    const actual = await fromBytes.run({ image: x });
    const name = g.outputs[0]?.name as string;
    expectClose(actual[name] as Tensor, expected[name] as Tensor, { atol: 0, rtol: 0 }, 'atrous vs graph');
    const half = await (await Session.create(saveAtrous(g, { fp16: true }))).run({ image: x });
    expectClose(half[name] as Tensor, expected[name] as Tensor, { atol: 1e-3, rtol: 1e-2 }, 'fp16');
    expect(importModel(saveAtrous(g))).toEqual(g);
  });

  it('says which version a newer file has and which this atrous reads', () => {
    const bytes = saveAtrous(net());
    new DataView(bytes.buffer).setUint32(4, 7, true);
    expect(() => loadAtrous(bytes)).toThrow(ModelFormatError);
    expect(() => loadAtrous(bytes)).toThrow(/format version 7; this atrous reads versions up to 1/);
  });

  it('rejects truncated and corrupt files with ModelFormatError', () => {
    const bytes = saveAtrous(net());
    const n = new DataView(bytes.buffer).getUint32(8, true);
    const patched = (f: (h: AtrousHeader) => void) => {
      const h = header(bytes);
      f(h);
      const json = new TextEncoder().encode(JSON.stringify(h));
      const out = new Uint8Array(12 + json.length + 64 + bytes.length);
      out.set(bytes.subarray(0, 12));
      new DataView(out.buffer).setUint32(8, json.length, true);
      out.set(json, 12);
      const start = Math.ceil((12 + json.length) / 64) * 64;
      out.set(bytes.subarray(Math.ceil((12 + n) / 64) * 64), start);
      return out.subarray(0, start + h.dataBytes);
    };
    const badJson = bytes.slice();
    badJson[12] = 0x7b + 1;
    const cases: [Uint8Array, RegExp][] = [
      [bytes.subarray(0, 10), /truncated at 10 bytes/],
      [bytes.subarray(0, 100), /the header needs \d+ bytes, the file has 88 \(truncated\)/],
      [bytes.subarray(0, bytes.length - 10), /the weights need \d+ bytes, the file has \d+ \(truncated\)/],
      [badJson, /the header is not valid JSON/],
      [
        patched((h) => {
          h.graph.nodes[0] = {
            ...(h.graph.nodes[0] as AtrousHeader['graph']['nodes'][number]),
            inputs: 'x' as unknown as string[],
          };
        }),
        /node 'Conv_0': field 'inputs'/,
      ],
      [
        patched((h) => {
          (h.initializers[0] as { bytes: number }).bytes = 4;
        }),
        /initializer 'c1.weight': 4 bytes stored, float32 \[8,3,3,3\] needs 864/,
      ],
      [
        patched((h) => {
          (h.initializers[1] as { offset: number }).offset = h.dataBytes;
        }),
        /initializer 'c1.bias': its bytes lie beyond the end/,
      ],
      [
        patched((h) => {
          (h.initializers[0] as { dtype: string }).dtype = 'complex64';
        }),
        /initializer 'c1.weight': field 'dtype'/,
      ],
      [
        patched((h) => {
          (h.graph as { opset: unknown }).opset = '17';
        }),
        /graph: field 'opset'/,
      ],
      [
        // Found by fuzzing: was "storage 'undefined' cannot hold float32".
        patched((h) => {
          delete (h.initializers[0] as { storage?: string }).storage;
        }),
        /initializer 'c1.weight': field 'storage' is missing or has the wrong type/,
      ],
      [
        patched((h) => {
          (h.graph.nodes[0]?.attrs as Record<string, unknown>).pads = { type: 'tensor', tensor: 9 };
        }),
        /attribute 'pads' has a bad value/,
      ],
    ];
    for (const [b, message] of cases) {
      expect(() => loadAtrous(b), String(message)).toThrow(message);
      expect(() => loadAtrous(b)).toThrow(ModelFormatError);
    }
    expect(() =>
      loadAtrous(
        patched((h) => {
          (h.graph.nodes[0] as { op: string }).op = 'Fancy';
        }),
      ),
    ).toThrow(UnsupportedOpError);
    expect(loadAtrous(patched(() => {}))).toEqual(net());
  });

  // Found by fuzzing: `attrs[key] = value` with the key '__proto__' replaced the attrs object's
  // prototype instead of adding the attribute, which then silently vanished.
  it("keeps an attribute named '__proto__' as an attribute", () => {
    const bytes = saveAtrous(net());
    const h = header(bytes);
    const attrs = h.graph.nodes[1]?.attrs as Record<string, unknown>;
    Object.defineProperty(attrs, '__proto__', {
      value: { type: 'numbers', value: [1, 2] },
      enumerable: true,
    });
    const json = new TextEncoder().encode(JSON.stringify(h));
    const n = new DataView(bytes.buffer).getUint32(8, true);
    const start = Math.ceil((12 + json.length) / ATROUS_ALIGN) * ATROUS_ALIGN;
    const out = new Uint8Array(start + h.dataBytes);
    out.set(bytes.subarray(0, 12));
    new DataView(out.buffer).setUint32(8, json.length, true);
    out.set(json, 12);
    out.set(bytes.subarray(Math.ceil((12 + n) / ATROUS_ALIGN) * ATROUS_ALIGN), start);
    const node = loadAtrous(out).nodes[1];
    expect(node?.op).toBe('LeakyRelu');
    expect(Object.getPrototypeOf(node?.attrs)).toBe(Object.prototype);
    expect(Object.hasOwn(node?.attrs ?? {}, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(node?.attrs, '__proto__')?.value).toEqual([1, 2]);
    expect(node?.attrs.alpha).toBeCloseTo(0.1);
  });
});

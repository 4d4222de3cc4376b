import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/engine/tensor.js';
import { ModelFormatError } from '../../src/errors.js';
import { importOnnx } from '../../src/graph/import/onnx.js';
import { DataType } from '../../src/graph/import/onnx-schema.js';
import { halfToFloat } from '../../src/graph/serialize/float16.js';
import { encodeModel, node, type ProtoObject, rawBytes } from '../helpers/onnx-proto.js';

/** Imports a Relu model carrying one extra initializer 'w' and returns it. */
function load(init: ProtoObject): Tensor {
  const g = importOnnx(
    encodeModel({ nodes: [node('Relu', ['x'], ['y'])], initializers: [{ name: 'w', ...init }] }),
  );
  return g.initializers.get('w') as Tensor;
}

function loadError(init: ProtoObject): Error {
  try {
    load(init);
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the import to fail');
}

// float16 bit patterns: 1, -2, 0.333 (0x3555 = 0.33325195...), +inf, smallest subnormal, -0.
const HALF_BITS = [0x3c00, 0xc000, 0x3555, 0x7c00, 0x0001, 0x8000];
const HALF_VALUES = [1, -2, 0.33325195, Number.POSITIVE_INFINITY, 2 ** -24, -0];

describe('ONNX initializers', () => {
  it('raw_data in every supported dtype', () => {
    const cases: [number, ArrayBufferView, string, number[]][] = [
      [DataType.FLOAT, new Float32Array([1.5, -2]), 'float32', [1.5, -2]],
      [DataType.DOUBLE, new Float64Array([Math.PI, 1e-300]), 'float64', [Math.PI, 1e-300]],
      [DataType.INT32, new Int32Array([-(2 ** 31), 7]), 'int32', [-(2 ** 31), 7]],
      [DataType.INT64, new BigInt64Array([-3n, 1n << 40n]), 'int64', [-3, 2 ** 40]],
      [DataType.UINT8, new Uint8Array([0, 255]), 'uint8', [0, 255]],
      [DataType.INT8, new Int8Array([-128, 127]), 'int8', [-128, 127]],
      [DataType.BOOL, new Uint8Array([1, 0]), 'bool', [1, 0]],
    ];
    for (const [code, data, dtype, values] of cases) {
      const t = load({ dims: [2], data_type: code, raw_data: rawBytes(data) });
      expect([t.dtype, [...t.dims], t.toNumbers()], dtype).toEqual([dtype, [2], values]);
    }
  });

  it('int64 keeps values past 2^53 exactly (raw and int64_data)', () => {
    const big = (1n << 62n) + 1n;
    const raw = load({
      dims: [2],
      data_type: DataType.INT64,
      raw_data: rawBytes(new BigInt64Array([big, -big])),
    });
    expect([...(raw.data as BigInt64Array)]).toEqual([big, -big]);
    const typed = load({
      dims: [2],
      data_type: DataType.INT64,
      int64_data: [big.toString(), (-big).toString()],
    });
    expect([...(typed.data as BigInt64Array)]).toEqual([big, -big]);
  });

  it('typed-field encodings (float_data, double_data, int32_data)', () => {
    const f = load({ dims: [2, 2], data_type: DataType.FLOAT, float_data: [1, 2, 3, 0.5] });
    expect([f.dtype, [...f.dims], f.toNumbers()]).toEqual(['float32', [2, 2], [1, 2, 3, 0.5]]);
    const d = load({ dims: [1], data_type: DataType.DOUBLE, double_data: [0.1] });
    expect([d.dtype, d.toNumbers()]).toEqual(['float64', [0.1]]);
    const i = load({ dims: [3], data_type: DataType.INT32, int32_data: [-1, 0, 9] });
    expect([i.dtype, i.toNumbers()]).toEqual(['int32', [-1, 0, 9]]);
    const u = load({ dims: [2], data_type: DataType.UINT8, int32_data: [200, 3] });
    expect([u.dtype, u.toNumbers()]).toEqual(['uint8', [200, 3]]);
    const s = load({ dims: [2], data_type: DataType.INT8, int32_data: [-5, 5] });
    expect([s.dtype, s.toNumbers()]).toEqual(['int8', [-5, 5]]);
    const b = load({ dims: [3], data_type: DataType.BOOL, int32_data: [1, 0, 1] });
    expect([b.dtype, b.toNumbers()]).toEqual(['bool', [1, 0, 1]]);
    const scalar = load({ dims: [], data_type: DataType.FLOAT, float_data: [4] });
    expect([[...scalar.dims], scalar.toNumbers()]).toEqual([[], [4]]);
  });

  it('float16 (raw_data and int32_data bit patterns) widens to float32', () => {
    const fromRaw = load({
      dims: [6],
      data_type: DataType.FLOAT16,
      raw_data: rawBytes(new Uint16Array(HALF_BITS)),
    });
    const fromTyped = load({ dims: [6], data_type: DataType.FLOAT16, int32_data: HALF_BITS });
    for (const t of [fromRaw, fromTyped]) {
      expect(t.dtype).toBe('float32');
      t.toNumbers().forEach((v, i) => {
        expect(v).toBeCloseTo(HALF_VALUES[i] as number, 7);
      });
      expect(Object.is(t.get(5), -0)).toBe(true);
    }
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(halfToFloat(0x7bff)).toBe(65504);
  });

  it('bfloat16 widens to float32', () => {
    const t = load({
      dims: [2],
      data_type: DataType.BFLOAT16,
      raw_data: rawBytes(new Uint16Array([0x3fc0, 0xc040])),
    });
    expect(t.toNumbers()).toEqual([1.5, -3]);
  });

  it('external data is a ModelFormatError that says so', () => {
    const e = loadError({
      dims: [2],
      data_type: DataType.FLOAT,
      data_location: 1,
      external_data: [{ key: 'location', value: 'weights.bin' }],
    });
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.message).toMatch(/initializer 'w'.*external data.*not support/);
  });

  it('wrong sizes and unsupported dtypes are ModelFormatErrors naming the initializer', () => {
    const short = loadError({
      dims: [3],
      data_type: DataType.FLOAT,
      raw_data: rawBytes(new Float32Array(2)),
    });
    expect(short).toBeInstanceOf(ModelFormatError);
    expect(short.message).toMatch(/initializer 'w': raw_data has 8 bytes.*need 12/);
    const typed = loadError({ dims: [2, 2], data_type: DataType.FLOAT, float_data: [1] });
    expect(typed.message).toMatch(/initializer 'w' has dims \[2, 2\] \(4 elements\) but holds 1 values/);
    const str = loadError({ dims: [1], data_type: DataType.STRING, string_data: [new Uint8Array([97])] });
    expect(str).toBeInstanceOf(ModelFormatError);
    expect(str.message).toMatch(/initializer 'w' has element type STRING.*not support/);
    const neg = loadError({ dims: [-1], data_type: DataType.FLOAT, float_data: [] });
    expect(neg.message).toMatch(/initializer 'w' has invalid dims \[-1\]/);
  });
});

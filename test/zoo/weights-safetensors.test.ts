import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { ModelFormatError } from '../../src/errors.js';
import { floatToHalf, halfToFloat } from '../../src/graph/serialize/float16.js';
import { encodeSafetensors, parseSafetensors } from '../../src/zoo/weights/safetensors.js';

const FIXTURES = join(__dirname, '..', 'fixtures', 'safetensors');
const fixture = new Uint8Array(readFileSync(join(FIXTURES, 'small.safetensors')));
const expected = JSON.parse(readFileSync(join(FIXTURES, 'small.expected.json'), 'utf8')) as {
  metadata: Record<string, string>;
  tensors: Record<string, { dtype: string; shape: number[]; values: number[] }>;
};

/** A safetensors file from a header object and data bytes (for the bad cases). */
function fileWith(header: unknown, data = new Uint8Array(0), lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors reader', () => {
  it('reads the file Python wrote: F32, F16 and BF16 as float32, I64 and U8 kept', () => {
    const { tensors, metadata } = parseSafetensors(fixture);
    expect(metadata).toEqual(expected.metadata);
    expect([...tensors.keys()]).toEqual(Object.keys(expected.tensors));
    const dtypes: Record<string, string> = {
      F32: 'float32',
      F16: 'float32',
      BF16: 'float32',
      I64: 'int64',
      U8: 'uint8',
    };
    for (const [name, want] of Object.entries(expected.tensors)) {
      const t = tensors.get(name) as Tensor;
      expect(t.dtype, name).toBe(dtypes[want.dtype]);
      expect(t.dims, name).toEqual(want.shape);
      // Every value is exactly representable in the tensor's dtype: compare exactly (incl. -0).
      expect(t.toNumbers(), name).toEqual(want.values);
    }
    expect((tensors.get('index') as Tensor<'int64'>).data[3]).toBe(2n ** 40n);
  });

  it('writes files it reads back, with the header padded to 8 bytes', () => {
    const tensors = new Map<string, Tensor>([
      ['a', new Tensor('float32', [2, 2], Float32Array.from([1, -2, 3.5, Number.NaN]))],
      ['b', Tensor.fromNumbers('int64', [], [7])],
      ['c', Tensor.fromNumbers('uint8', [3], [1, 2, 255])],
      ['d', Tensor.fromNumbers('float64', [1], [0.1])],
    ]);
    const bytes = encodeSafetensors(tensors, { note: 'x' });
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
    const back = parseSafetensors(bytes);
    expect(back.metadata).toEqual({ note: 'x' });
    expect(back.tensors).toEqual(tensors);
    // Re-encoding the Python file's tensors gives a file that reads back the same values.
    const again = parseSafetensors(encodeSafetensors(parseSafetensors(fixture).tensors));
    expect(again.tensors).toEqual(parseSafetensors(fixture).tensors);
  });

  it('names the tensor and dtype it cannot read', () => {
    const f = fileWith(
      { 'x.weight': { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } },
      new Uint8Array(2),
    );
    expect(() => parseSafetensors(f)).toThrow(ModelFormatError);
    expect(() => parseSafetensors(f)).toThrow(/tensor 'x.weight': dtype F8_E4M3 is not supported/);
  });

  // Found by fuzzing: these were looked up on Object.prototype, giving "... needs NaN" bytes.
  it('rejects dtypes named like Object.prototype members as unsupported', () => {
    for (const dtype of ['constructor', 'toString', '__proto__']) {
      const f = fileWith({ w: { dtype, shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8));
      expect(() => parseSafetensors(f)).toThrow(ModelFormatError);
      expect(() => parseSafetensors(f)).toThrow(new RegExp(`tensor 'w': dtype ${dtype} is not supported`));
    }
  });

  it('rejects truncated and corrupt files with ModelFormatError', () => {
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(5), /too short for a header/],
      [fixture.subarray(0, 100), /header claims 520 bytes but the file has 92 .*truncated/],
      [
        fixture.subarray(0, fixture.length - 1),
        /tensor 'index': data ends at byte 85 but the file has 84 data bytes \(truncated/,
      ],
      [fileWith(null, undefined, 3n), /not valid JSON/],
      [fileWith([1, 2]), /not a JSON object/],
      [
        fileWith({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(8)),
        /hold 4 bytes, F32 \[2\] needs 8/,
      ],
      [fileWith({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }), /shape must be/],
      [fileWith({ w: { dtype: 'F32', shape: [1] } }), /data_offsets must be/],
      [fileWith({ w: 'x' }), /tensor 'w': the header entry is not an object/],
      [fileWith({ __metadata__: { a: 1 } }), /__metadata__ must map strings to strings/],
      [fileWith({}, undefined, 2n ** 63n), /header claims/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => parseSafetensors(bytes), String(message)).toThrow(message);
      try {
        parseSafetensors(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(ModelFormatError);
      }
    }
  });
});

describe('float16 conversion', () => {
  it('float → half → float is the identity on every half value', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = halfToFloat(h);
      if (Number.isNaN(v)) expect(Number.isNaN(halfToFloat(floatToHalf(v)))).toBe(true);
      else expect(floatToHalf(v), `0x${h.toString(16)}`).toBe(h);
    }
  });

  it('rounds to nearest even, overflows to infinity and underflows to zero', () => {
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // Tie between 1 and 1+2^-10: even is 1.
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // Tie: rounds up to even.
    expect(floatToHalf(65520)).toBe(0x7c00);
    expect(floatToHalf(-1e6)).toBe(0xfc00);
    expect(floatToHalf(2 ** -25)).toBe(0); // Tie between 0 and the smallest subnormal.
    expect(floatToHalf(1.5 * 2 ** -25)).toBe(1);
    expect(halfToFloat(floatToHalf(0.1))).toBeCloseTo(0.1, 4);
  });
});

import { describe, expect, it } from 'vitest';
import { type DType, Tensor } from '../../src/engine/tensor.js';
import { NpyFormatError } from '../../src/errors.js';
import { encodeNpy, parseNpy, parseNpyHeader } from '../../src/io/npy.js';
import { Rng } from '../../src/util/random.js';

/** A .npy file from its parts: magic, version, header (padded as given) and raw data bytes. */
function npyBytes(header: string, data: number[] = [], version: [number, number] = [1, 0]): Uint8Array {
  const lenBytes = version[0] === 1 ? 2 : 4;
  const out = new Uint8Array(8 + lenBytes + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version[0], version[1]]);
  const view = new DataView(out.buffer);
  if (lenBytes === 2) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[8 + lenBytes + i] = header.charCodeAt(i);
  out.set(data, 8 + lenBytes + header.length);
  return out;
}

/** Pads a header dict the way NumPy does: spaces, then a newline, data at a multiple of 64. */
function padded(dict: string, preamble = 10): string {
  const used = preamble + dict.length + 1;
  return dict + ' '.repeat(64 - (used % 64)) + '\n';
}

const escapeRe = (s: string) => s.replace(/[|\\^$.*+?()[\]{}]/g, '\\$&');

const f32 = (values: number[]) => [...new Uint8Array(Float32Array.from(values).buffer)];

describe('npy: bytes exactly as numpy writes them', () => {
  // np.save(f, np.arange(6, dtype='<f4').reshape(2, 3)) with numpy 1.24 and 2.4 (checked by hand):
  // the dict, 21 - len('2') = 19 spare spaces, padding to 128 bytes, a newline.
  const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + ' '.repeat(19);
  const file = npyBytes(padded(dict), f32([0, 1, 2, 3, 4, 5]));

  it('encodes a float32 (2, 3) array identically', () => {
    expect(file.length).toBe(128 + 24);
    expect(file[8]).toBe(118); // header length 0x76
    const t = new Tensor('float32', [2, 3], Float32Array.from([0, 1, 2, 3, 4, 5]));
    expect([...encodeNpy(t)]).toEqual([...file]);
  });

  it('parses it', () => {
    const t = parseNpy(file);
    expect(t.dtype).toBe('float32');
    expect(t.dims).toEqual([2, 3]);
    expect(t.toNumbers()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('encodes a 0-d bool like numpy (no spare spaces for a scalar)', () => {
    const expected = npyBytes(padded("{'descr': '|b1', 'fortran_order': False, 'shape': (), }"), [1]);
    expect(expected.length).toBe(129);
    expect([...encodeNpy(Tensor.fromNumbers('bool', [], [1]))]).toEqual([...expected]);
  });

  it('writes one-element shapes with a trailing comma', () => {
    const bytes = encodeNpy(Tensor.fromNumbers('int64', [3], [1, -2, 3]));
    const text = new TextDecoder().decode(bytes.subarray(10, 128));
    expect(text.startsWith("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }")).toBe(true);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('reads a header padded to 16 bytes only (old numpy) and without the trailing comma', () => {
    const t = parseNpy(
      npyBytes("{'descr':'<i4','fortran_order':False,'shape':(2,)}\n", [7, 0, 0, 0, 255, 255, 255, 255]),
    );
    expect(t.dtype).toBe('int32');
    expect(t.toNumbers()).toEqual([7, -1]);
  });

  it('reads Python 2 long shapes like (2L,)', () => {
    const t = parseNpy(npyBytes("{'descr': '|u1', 'fortran_order': False, 'shape': (2L,), }\n", [3, 4]));
    expect(t.toNumbers()).toEqual([3, 4]);
  });

  it('reads versions 2.0 and 3.0', () => {
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
    for (const v of [2, 3] as const) {
      const t = parseNpy(npyBytes(padded(dict, 12), f32([1.5, -2]), [v, 0]));
      expect(t.toNumbers()).toEqual([1.5, -2]);
    }
  });

  it('reads a version 3.0 header with utf-8 text', () => {
    // Version 3 differs from 2 only in the header's encoding (utf-8 instead of latin1).
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
    const utf8 = new TextEncoder().encode(`${dict} \n`);
    const file = new Uint8Array(12 + utf8.length + 4);
    file.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 3, 0]);
    new DataView(file.buffer).setUint32(8, utf8.length, true);
    file.set(utf8, 12);
    file.set(f32([42]), 12 + utf8.length);
    expect(parseNpy(file).toNumbers()).toEqual([42]);
  });

  it('switches to version 2.0 when the header does not fit 64 KiB', () => {
    const dims = [1, ...new Array<number>(30000).fill(1)];
    const bytes = encodeNpy(new Tensor('uint8', dims, Uint8Array.from([9])));
    expect(bytes[6]).toBe(2);
    const header = parseNpyHeader(bytes);
    expect(header.dataOffset % 64).toBe(0);
    expect(parseNpy(bytes).dims).toEqual(dims);
  });
});

describe('npy: round trips', () => {
  const rng = new Rng(7);
  const values: Record<DType, () => number> = {
    float32: () => rng.uniform(-1e3, 1e3),
    float64: () => rng.normal() * 1e10,
    int64: () => rng.int(-(2 ** 40), 2 ** 40),
    int32: () => rng.int(-(2 ** 31), 2 ** 31 - 1),
    uint8: () => rng.int(0, 255),
    int8: () => rng.int(-128, 127),
    bool: () => rng.int(0, 1),
  };
  const shapes = [[], [0], [2, 0, 3], [5], [2, 3, 4], [1, 1, 1, 1, 7]];
  for (const dtype of Object.keys(values) as DType[]) {
    it(`${dtype}: 0-d, empty and n-d tensors`, () => {
      for (const dims of shapes) {
        const n = dims.reduce((a, b) => a * b, 1);
        const t = Tensor.fromNumbers(dtype, dims, Array.from({ length: n }, values[dtype]));
        const bytes = encodeNpy(t);
        expect(parseNpyHeader(bytes).dataOffset % 64).toBe(0);
        const back = parseNpy(bytes);
        expect(back.dtype).toBe(dtype);
        expect(back.dims).toEqual(dims);
        expect(back.data).toEqual(t.data);
      }
    });
  }

  it('keeps int64 values beyond 2^53 exactly', () => {
    const data = BigInt64Array.from([2n ** 62n + 1n, -(2n ** 63n)]);
    const back = parseNpy(encodeNpy(new Tensor('int64', [2], data)));
    expect([...(back.data as BigInt64Array)]).toEqual([...data]);
  });

  it('copies the data so it is aligned and independent of the input bytes', () => {
    const t = Tensor.fromNumbers('float64', [3], [1, 2, 3]);
    const bytes = encodeNpy(t);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const back = parseNpy(shifted.subarray(1));
    shifted.fill(0);
    expect(back.toNumbers()).toEqual([1, 2, 3]);
  });

  it('encodes a tensor whose data is a view into a larger buffer', () => {
    const big = Float32Array.from([9, 1, 2, 9]);
    const t = new Tensor('float32', [2], big.subarray(1, 3));
    expect(parseNpy(encodeNpy(t)).toNumbers()).toEqual([1, 2]);
  });
});

describe('npy: bad files', () => {
  const hdr = (descr: string, extra = "'fortran_order': False, 'shape': (2,)") =>
    padded(`{'descr': ${descr}, ${extra}, }`);
  const bad = (bytes: Uint8Array, pattern: RegExp) => {
    expect(() => parseNpy(bytes)).toThrow(NpyFormatError);
    expect(() => parseNpy(bytes)).toThrow(pattern);
  };

  it('rejects Fortran order, saying so', () => {
    bad(npyBytes(hdr("'<f4'", "'fortran_order': True, 'shape': (2,)"), f32([1, 2])), /Fortran order/);
  });

  it('rejects big-endian data', () => {
    bad(npyBytes(hdr("'>f4'"), [0, 0, 0, 0, 0, 0, 0, 0]), /big-endian/);
    bad(npyBytes(hdr("'>i8'"), new Array(16).fill(0)), /big-endian \('>i8'\)/);
  });

  it('accepts single-byte types with any byte-order mark', () => {
    expect(parseNpy(npyBytes(hdr("'>u1'"), [1, 2])).toNumbers()).toEqual([1, 2]);
  });

  it('rejects other dtypes, naming the dtype and listing the supported ones', () => {
    for (const descr of ["'<f2'", "'<c8'", "'|O'", "'<U5'", "'<u4'"]) {
      bad(
        npyBytes(hdr(descr), new Array(40).fill(0)),
        new RegExp(`'${escapeRe(descr.slice(1, -1))}'.*supported: <f4, <f8`),
      );
    }
    bad(npyBytes(hdr("[('a', '<f4')]"), new Array(8).fill(0)), /structured arrays are not supported/);
  });

  it('rejects truncated data, header and preamble', () => {
    bad(npyBytes(hdr("'<f4'"), [0, 0, 0, 0, 0]), /truncated.*needs 8 data bytes, the file has 5/);
    const full = encodeNpy(Tensor.fromNumbers('float32', [4], [1, 2, 3, 4]));
    bad(full.subarray(0, 60), /truncated .npy file: the header/);
    bad(full.subarray(0, 9), /not a .npy file/);
  });

  it('rejects files that are not .npy at all', () => {
    bad(new TextEncoder().encode('hello, world'), /magic string/);
    bad(new Uint8Array(0), /not a .npy file/);
  });

  it('rejects unknown versions and broken headers', () => {
    bad(npyBytes(hdr("'<f4'"), f32([1, 2]), [4, 0]), /version 4\.0/);
    bad(npyBytes(padded("{'descr': '<f4', 'shape': (2,), }"), f32([1, 2])), /'fortran_order' is missing/);
    bad(npyBytes(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }")), /shape/);
    bad(
      npyBytes(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (2,"), f32([1, 2])),
      /bad .npy header/,
    );
    bad(npyBytes(padded('[1, 2]')), /expected a dictionary/);
  });

  // Found by fuzzing: a descr naming an Object.prototype member was looked up as a dtype and failed
  // later as an InputError "unknown dtype 'function Object() ...'".
  it('rejects descrs that name Object.prototype members as unsupported dtypes', () => {
    for (const descr of ['<constructor', '|__proto__', '<toString', '<hasOwnProperty']) {
      bad(npyBytes(hdr(`'${descr}'`), f32([1, 2])), new RegExp(`unsupported .npy dtype '${descr}'`));
    }
  });

  // Found by fuzzing: a '__proto__' key became the dict's prototype, so its keys were found by `in`
  // and the header parsed as if it had them.
  it("does not take a header's keys from a '__proto__' entry", () => {
    const dict = "{'__proto__': {'descr': '<f4', 'fortran_order': False, 'shape': (2,)}}";
    bad(npyBytes(padded(dict), f32([1, 2])), /the key 'descr' is missing/);
  });

  // Found by fuzzing: 9007199254740993 read as 9007199254740992, a silently different shape.
  it('rejects dimensions beyond 2^53, which numbers cannot hold exactly', () => {
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 9007199254740993), }";
    bad(npyBytes(padded(dict)), /is not a tuple of sizes \(integers from 0 to 2\^53-1\)/);
  });
});

describe('npy: Node Buffers', () => {
  it('reads a Buffer that is a view into a larger pooled ArrayBuffer', () => {
    const t = Tensor.fromNumbers('float32', [2, 2], [1.5, -2, 3, 4]);
    const pool = Buffer.alloc(4096, 7);
    const bytes = encodeNpy(t);
    pool.set(bytes, 1000);
    // Buffer#slice does not copy: a parser that calls it would read from the pool's start.
    const view = pool.subarray(1000, 1000 + bytes.length);
    expect(parseNpy(view).toNumbers()).toEqual([1.5, -2, 3, 4]);
  });
});

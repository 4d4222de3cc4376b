import { describe, expect, it } from 'vitest';
import {
  AtrousError,
  ModelFormatError,
  UnsupportedAttributeError,
  UnsupportedOpError,
} from '../../src/errors.js';
import { importModel } from '../../src/graph/import/index.js';
import { importTflite, isTfliteFile } from '../../src/graph/import/tflite.js';
import { Rng } from '../../src/util/random.js';
import { ACT, bytesOf, OP, OPT, SAME, TflModelBuilder, TT } from '../helpers/tflite-writer.js';

const convOpts = (act = 0) => [
  { id: 0, byte: SAME },
  { id: 1, int: 1 },
  { id: 2, int: 1 },
  { id: 3, byte: act },
];

/** input (1,4,4,2) → CONV_2D 1x1 → y: a valid model the error tests then break one way each. */
function convModel(edit?: (m: TflModelBuilder, x: number, y: number) => void): TflModelBuilder {
  const m = new TflModelBuilder();
  const x = m.input([1, 4, 4, 2], 'x');
  const y = m.value([1, 4, 4, 3], 'y');
  m.op(
    OP.CONV_2D,
    [x, m.f32([3, 1, 1, 2], new Array(6).fill(0.5)), m.f32([3], [0, 1, 2])],
    [y],
    OPT.Conv2D,
    convOpts(),
  );
  m.output(y);
  edit?.(m, x, y);
  return m;
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('TFLite import errors', () => {
  it('imports the valid base model (so each test below fails for its own reason)', () => {
    const g = importModel(convModel().build());
    expect(g.metadata).toMatchObject({ format: 'tflite', description: 'atrous test model' });
    expect(g.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: [1, 4, 4, 2] }]);
    expect(g.outputs).toEqual([{ name: 'y', dtype: 'float32', shape: [1, 4, 4, 3] }]);
  });

  it('an unsupported builtin op is an UnsupportedOpError naming it', () => {
    const m = convModel((m, _x, y) => {
      const z = m.value([1, 2, 2, 12], 'z');
      m.op(OP.SPACE_TO_DEPTH, [y], [z], 19, [{ id: 0, int: 2 }]);
      m.outputs = [z];
    });
    const e = thrown(() => importModel(m.build()));
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect((e as UnsupportedOpError).op).toBe('SPACE_TO_DEPTH');
    expect((e as Error).message).toMatch(/'SPACE_TO_DEPTH'.*not supported.*CONV_2D/);
    expect((e as UnsupportedOpError).nodeName).toBe('z');
  });

  it('an unknown custom op is an UnsupportedOpError naming the custom code', () => {
    const m = convModel((m, _x, y) => {
      const z = m.value([1, 4, 4, 3], 'z');
      m.custom('MaxPoolingWithArgmax2D', [y], [z]);
      m.outputs = [z];
    });
    const e = thrown(() => importModel(m.build()));
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect((e as Error).message).toMatch(
      /'MaxPoolingWithArgmax2D'.*TFLite custom.*Convolution2DTransposeBias/,
    );
  });

  it('quantized tensors are rejected naming the tensor', () => {
    const m = new TflModelBuilder();
    const x = m.input([1, 4, 4, 2], 'x');
    const w = m.tensor({
      name: 'w_int8',
      shape: [3, 1, 1, 2],
      type: TT.INT8,
      data: bytesOf(Int8Array.of(1, 2, 3, 4, 5, 6)),
      quant: { scale: [0.1], zeroPoint: [0] },
    });
    const y = m.value([1, 4, 4, 3], 'y');
    m.op(OP.CONV_2D, [x, w, -1], [y], OPT.Conv2D, convOpts()).output(y);
    const e = thrown(() => importModel(m.build()));
    expect(e).toBeInstanceOf(UnsupportedAttributeError);
    expect((e as Error).message).toMatch(/'w_int8' \(INT8\) is quantized/);
  });

  it('a dynamic shape (shape_signature -1 beyond the batch) is rejected naming the tensor', () => {
    const m = convModel();
    (m.tensors[0] as { signature?: number[] }).signature = [1, -1, -1, 2];
    const e = thrown(() => importModel(m.build()));
    expect(e).toBeInstanceOf(UnsupportedAttributeError);
    expect((e as Error).message).toMatch(/'x' has a dynamic shape \[1, -1, -1, 2\]/);
    // A dynamic batch alone is fine: the file's static shape is used.
    (m.tensors[0] as { signature?: number[] }).signature = [-1, 4, 4, 2];
    expect(importModel(m.build()).inputs[0]?.shape).toEqual([1, 4, 4, 2]);
  });

  it('several subgraphs are a ModelFormatError', () => {
    const m = convModel();
    m.extraSubgraphs = 1;
    expect(() => importModel(m.build())).toThrow(/2 subgraphs/);
    expect(() => importModel(m.build())).toThrow(ModelFormatError);
  });

  it('a wrong file identifier is a ModelFormatError', () => {
    const bytes = convModel().build('TFL2');
    expect(isTfliteFile(bytes)).toBe(false);
    expect(() => importTflite(bytes)).toThrow(/file identifier .* is not 'TFL3'/);
    // importModel then tries ONNX, which also fails with a typed error.
    expect(() => importModel(bytes)).toThrow(ModelFormatError);
  });

  it('a truncated file is a ModelFormatError, at every cut', () => {
    const bytes = convModel().build();
    for (const cut of [9, 16, 40, Math.floor(bytes.length / 2), bytes.length - 8]) {
      const e = thrown(() => importModel(bytes.slice(0, cut)));
      expect(e, `cut at ${cut}`).toBeInstanceOf(ModelFormatError);
    }
  });

  it('corrupted bytes never escape as untyped errors', () => {
    const bytes = convModel().build();
    const rng = new Rng(7);
    for (let k = 0; k < 300; k++) {
      const b = bytes.slice();
      for (let j = 0; j < 3; j++) b[8 + rng.int(0, b.length - 9)] = rng.int(0, 255);
      try {
        importModel(b);
      } catch (e) {
        expect(e, `corruption ${k}: ${(e as Error).message}`).toBeInstanceOf(AtrousError);
      }
    }
  });

  it('a buffer whose size does not match the shape is a ModelFormatError', () => {
    const m = convModel();
    const w = m.tensors.find((t) => t.data && t.shape.length === 4);
    if (w) w.data = w.data?.subarray(0, 12);
    expect(() => importModel(m.build())).toThrow(/buffer holds 12 bytes/);
  });

  it('SIGN_BIT fused activation is an UnsupportedAttributeError', () => {
    const m = new TflModelBuilder();
    const x = m.input([1, 4, 4, 2], 'x');
    const y = m.value([1, 4, 4, 3], 'y');
    m.op(
      OP.CONV_2D,
      [x, m.f32([3, 1, 1, 2], new Array(6).fill(1)), -1],
      [y],
      OPT.Conv2D,
      convOpts(ACT.SIGN_BIT),
    );
    m.output(y);
    expect(() => importModel(m.build())).toThrow(/fused_activation_function' is SIGN_BIT/);
  });

  it('a runtime (non-constant) conv filter is an UnsupportedAttributeError', () => {
    const m = new TflModelBuilder();
    const x = m.input([1, 4, 4, 2], 'x');
    const w = m.input([3, 1, 1, 2], 'w');
    const y = m.value([1, 4, 4, 3], 'y');
    m.op(OP.CONV_2D, [x, w, -1], [y], OPT.Conv2D, convOpts()).output(y);
    const e = thrown(() => importModel(m.build()));
    expect(e).toBeInstanceOf(UnsupportedAttributeError);
    expect((e as Error).message).toMatch(/filter' \(tensor 'w'\) must be a constant/);
  });

  it('RESIZE_BILINEAR with align_corners and half_pixel_centers is rejected', () => {
    const m = new TflModelBuilder();
    const x = m.input([1, 2, 2, 1], 'x');
    const y = m.value([1, 4, 4, 1], 'y');
    m.op(OP.RESIZE_BILINEAR, [x, m.i32([4, 4])], [y], OPT.ResizeBilinear, [
      { id: 2, bool: true },
      { id: 3, bool: true },
    ]).output(y);
    expect(() => importModel(m.build())).toThrow(UnsupportedAttributeError);
  });

  it('Convolution2DTransposeBias with short custom options is rejected', () => {
    const m = new TflModelBuilder();
    const x = m.input([1, 2, 2, 1], 'x');
    const y = m.value([1, 4, 4, 1], 'y');
    m.custom(
      'Convolution2DTransposeBias',
      [x, m.f32([1, 2, 2, 1], [1, 1, 1, 1]), m.f32([1], [0])],
      [y],
      Uint8Array.of(1, 0),
    );
    m.output(y);
    expect(() => importModel(m.build())).toThrow(/custom_options' has 2 bytes/);
  });

  it('DEQUANTIZE of a runtime value is rejected', () => {
    const m = new TflModelBuilder();
    const x = m.input([1, 2, 2, 1], 'x');
    const y = m.value([1, 2, 2, 1], 'y');
    m.op(OP.DEQUANTIZE, [x], [y]).output(y);
    expect(() => importModel(m.build())).toThrow(/must be a FLOAT16 constant/);
  });

  it('an output shape that disagrees with the op is a ModelFormatError', () => {
    const m = new TflModelBuilder();
    const x = m.input([1, 4, 4, 2], 'x');
    const y = m.value([1, 5, 4, 3], 'y');
    m.op(OP.CONV_2D, [x, m.f32([3, 1, 1, 2], new Array(6).fill(1)), -1], [y], OPT.Conv2D, convOpts()).output(
      y,
    );
    expect(() => importModel(m.build())).toThrow(
      /output shape in the file is \[1, 5, 4, 3\], the op computes \[1, 4, 4, 3\]/,
    );
  });

  // Regressions found by fuzzing the importer (structural edits of small builder models).
  const typed = (m: TflModelBuilder, type: new (...a: never[]) => Error, message: RegExp) => {
    const e = thrown(() => importModel(m.build()));
    expect(e).toBeInstanceOf(type);
    expect((e as Error).message).toMatch(message);
  };

  it('an operator with too few inputs, or a required input absent (-1), is a ModelFormatError naming the op', () => {
    // Was: "refers to tensor undefined" / "(tensor 'tensor_undefined') must be a constant".
    typed(
      convModel((m) => {
        (m.ops[0] as { inputs: number[] }).inputs.length = 1;
      }),
      ModelFormatError,
      /TFLite CONV_2D \(y\) needs 2 inputs, but it has 1/,
    );
    typed(
      convModel((m) => {
        (m.ops[0] as { inputs: number[] }).inputs[1] = -1;
      }),
      ModelFormatError,
      /TFLite CONV_2D \(y\) needs 2 inputs, but input 1 is absent \(-1\)/,
    );
    const m = new TflModelBuilder();
    const x = m.input([1, 2, 2, 1], 'x');
    const y = m.value([1, 2, 2, 1], 'y');
    m.op(OP.LOGISTIC, [x], []).output(y);
    typed(m, ModelFormatError, /TFLite LOGISTIC \(operator 0\) has no output tensor/);
  });

  it('a conv input that is not rank 4 is a ModelFormatError naming the tensor', () => {
    // Was: "the input has undefined (not a multiple)".
    const m = new TflModelBuilder();
    const x = m.input([4, 2], 'x');
    const y = m.value([1, 4, 4, 3], 'y');
    m.op(OP.CONV_2D, [x, m.f32([3, 1, 1, 2], new Array(6).fill(1)), -1], [y], OPT.Conv2D, convOpts()).output(
      y,
    );
    typed(m, ModelFormatError, /CONV_2D \(y\): tensor 'x' has shape \[4, 2\], expected rank 4/);
  });

  it('FLOAT32 paddings or perm (where TFLite has INT32) are a ModelFormatError', () => {
    // Int32 bytes typed FLOAT32 read as tiny denormals. Was: for PAD a RangeError "The number
    // 1.4e-45 cannot be converted to a BigInt"; for TRANSPOSE a silently non-integer perm.
    const asFloat = (m: TflModelBuilder, name: string, shape: number[], ints: number[]) =>
      m.tensor({ name, shape, type: TT.FLOAT32, data: bytesOf(Int32Array.from(ints)) });
    const pad = new TflModelBuilder();
    const x = pad.input([1, 2, 2, 1], 'x');
    const y = pad.value([1, 4, 4, 1], 'y');
    const paddings = asFloat(pad, 'paddings', [4, 2], [0, 0, 1, 1, 1, 1, 0, 0]);
    pad.op(OP.PAD, [x, paddings], [y], OPT.Pad, []).output(y);
    typed(
      pad,
      ModelFormatError,
      /PAD \(y\): paddings \(tensor 'paddings'\) must be an INT32 or INT64 constant/,
    );
    const tr = new TflModelBuilder();
    const x2 = tr.input([1, 2, 3, 4], 'x');
    const y2 = tr.value([1, 4, 2, 3], 'y');
    tr.op(OP.TRANSPOSE, [x2, asFloat(tr, 'perm', [4], [0, 3, 1, 2])], [y2], OPT.Transpose, []).output(y2);
    typed(
      tr,
      ModelFormatError,
      /TRANSPOSE \(y\): perm \(tensor 'perm'\) must be an INT32 or INT64 constant, it is float32/,
    );
  });

  it('a binary op input of higher rank than its rank-4 output is a ModelFormatError', () => {
    // Was: RangeError "Invalid array length" (padding the shape to rank 4 with -1 ones).
    const m = convModel();
    const y = m.outputs[0] as number;
    const z = m.value([1, 4, 4, 3], 'z');
    m.op(OP.ADD, [y, m.f32([1, 1, 1, 1, 3], [1, 2, 3], 'b5')], [z], OPT.Add, []);
    m.outputs = [z];
    typed(
      m,
      ModelFormatError,
      /ADD \(z\): input 'b5' has shape \[1, 1, 1, 1, 3\], of higher rank than the rank-4 output/,
    );
  });

  it("a custom op named like an Object.prototype member ('constructor') is an UnsupportedOpError", () => {
    // Was: Object() called as the op's mapper: no node, then a misleading "not computed" error.
    for (const code of ['constructor', 'toString', '__proto__']) {
      const m = new TflModelBuilder();
      const x = m.input([1, 2, 2, 1], 'x');
      const y = m.value([1, 2, 2, 1], 'y');
      m.custom(code, [x], [y]).output(y);
      typed(m, UnsupportedOpError, new RegExp(`op '${code}' \\(domain 'TFLite custom'\\) is not supported`));
    }
  });
});

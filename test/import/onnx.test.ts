import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import { Tensor } from '../../src/engine/tensor.js';
import { AtrousError, ModelFormatError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { exportOnnx } from '../../src/graph/export/onnx.js';
import { importOnnx } from '../../src/graph/import/onnx.js';
import {
  AttributeType,
  DataType,
  ModelProto,
  type ModelProtoMsg,
} from '../../src/graph/import/onnx-schema.js';
import type { Graph } from '../../src/graph/ir.js';
import { Rng } from '../../src/util/random.js';
import { expectClose } from '../helpers/compare.js';
import { attr, encodeModel, node, rawBytes, tensorInfo } from '../helpers/onnx-proto.js';
import { expectMatchesOrt, runOrt } from '../helpers/ort.js';

function tinyGraph(opset = 17): Graph {
  const b = new GraphBuilder('tiny', { opset });
  const x = b.input('x', ['N', 3, 4, 4]);
  const lo = b.constant('lo', Tensor.scalar('float32', -0.25));
  const hi = b.param('hi', [], [2]);
  b.ints('shape_like', [1, -1, 1 << 20]);
  b.constant('mask', Tensor.fromNumbers('bool', [2], [1, 0]));
  b.constant('f64', Tensor.fromNumbers('float64', [2, 1], [Math.PI, -1e-300]));
  b.constant('u8', Tensor.fromNumbers('uint8', [3], [0, 128, 255]));
  b.constant('i8', Tensor.fromNumbers('int8', [2], [-128, 127]));
  b.constant('i32', Tensor.fromNumbers('int32', [1], [-(2 ** 31)]));
  const a = b.op('LeakyRelu', [x], { alpha: 1 }); // an integral float must stay FLOAT
  const h = b.op('HardSigmoid', [a], { alpha: 0.1, beta: 0.6 });
  const c = b.op('Clip', [h, lo, hi], {}, { name: 'clip' });
  b.output(c, b.op('Tanh', [x]));
  return b.build();
}

function decodeModel(bytes: Uint8Array): ModelProtoMsg {
  return ModelProto.decode(bytes) as unknown as ModelProtoMsg;
}

describe('ONNX export → import round trip', () => {
  it('gives back the same graph', () => {
    const g = tinyGraph();
    const back = importOnnx(exportOnnx(g));
    expect(back.name).toBe('tiny');
    expect(back.opset).toBe(17);
    expect(back.inputs).toEqual(g.inputs);
    expect(back.outputs).toEqual(g.outputs);
    expect(back.nodes).toEqual(g.nodes);
    expect([...back.initializers.keys()]).toEqual([...g.initializers.keys()]);
    for (const [name, t] of g.initializers) {
      const u = back.initializers.get(name) as Tensor;
      expect(u.dtype, name).toBe(t.dtype);
      expect(u.dims, name).toEqual(t.dims);
      expect(u.data, name).toEqual(t.data);
    }
    expect(back.metadata).toEqual({ producer_name: 'atrous' });
  });

  it('writes attribute types from the op definitions (alpha 1 is FLOAT, not INT)', () => {
    const m = decodeModel(exportOnnx(tinyGraph()));
    expect(m.ir_version).toEqual(expect.objectContaining({ low: 8 }));
    expect(m.opset_import.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    const leaky = m.graph?.node.find((n) => n.op_type === 'LeakyRelu');
    expect(leaky?.attribute.map((a) => [a.name, a.type, a.f])).toEqual([['alpha', AttributeType.FLOAT, 1]]);
    const init = m.graph?.initializer.find((t) => t.name === 'shape_like');
    expect(init?.data_type).toBe(DataType.INT64);
    expect(init?.raw_data.length).toBe(24);
    // Input keeps its symbolic dim; outputs carry their inferred shapes.
    const dims = m.graph?.input[0]?.type?.tensor_type?.shape?.dim ?? [];
    expect(dims.map((d) => d.value)).toEqual(['dim_param', 'dim_value', 'dim_value', 'dim_value']);
    expect(dims[0]?.dim_param).toBe('N');
  });

  it('emits no shape for an output whose shape is unknown', () => {
    const g = tinyGraph();
    const bytes = exportOnnx({ ...g, outputs: g.outputs.map((o) => ({ ...o, shape: [] })) });
    const out = decodeModel(bytes).graph?.output[0];
    expect(out?.type?.tensor_type?.elem_type).toBe(DataType.FLOAT);
    expect(out?.type?.tensor_type?.shape).toBeNull();
  });

  it('float attributes come back as the decimal that was written', () => {
    const g = tinyGraph();
    const back = importOnnx(exportOnnx(g));
    expect(back.nodes[1]?.attrs).toEqual({ alpha: 0.1, beta: 0.6 });
  });

  it('keeps metadata in ModelProto fields and metadata_props', () => {
    const meta = {
      producer_name: 'pytorch',
      producer_version: '2.1',
      model_version: '3',
      doc_string: 'd',
      k: 'v',
    };
    const bytes = exportOnnx({ ...tinyGraph(), metadata: meta });
    const m = decodeModel(bytes);
    expect(m.producer_name).toBe('pytorch');
    expect(m.metadata_props.map((p) => [p.key, p.value])).toEqual([['k', 'v']]);
    expect(importOnnx(bytes).metadata).toEqual(meta);
  });

  it('onnxruntime runs the exported graph with the same numbers as atrous', async () => {
    const g = tinyGraph();
    const x = new Tensor('float32', [2, 3, 4, 4], new Rng(3).floats(96, -5, 5));
    const ort = await runOrt(g, { x });
    const session = await Session.create(exportOnnx(g), { backend: 'ref' });
    const ours = await session.run({ x });
    for (const o of g.outputs) {
      expectClose(ours[o.name] as Tensor, ort[o.name] as Tensor, { atol: 1e-6, rtol: 1e-5 }, o.name);
    }
    // And hand-computed: clip(hardsigmoid(x), -0.25, 2) = clamp(0.1x + 0.6, 0, 1).
    const y = ours.clip as Tensor;
    for (let i = 0; i < 96; i++) {
      expect(y.get(i)).toBeCloseTo(Math.min(1, Math.max(0, 0.1 * x.get(i) + 0.6)), 6);
    }
  });

  it('Conv attributes (ints, int, string) round trip and match onnxruntime', async () => {
    const b = new GraphBuilder('conv', { opset: 11 });
    const x = b.input('x', [1, 4, 9, 7]);
    const w = b.param('w', [6, 2, 3, 3]);
    const bias = b.param('bias', [6]);
    const attrs = { pads: [2, 1, 2, 1], strides: [2, 1], dilations: [2, 1], group: 2, auto_pad: 'NOTSET' };
    const y = b.op('Conv', [x, w, bias], attrs);
    const parts = b.ops('Split', [y], { axis: 1, split: [2, 4] }, 2);
    b.output(...parts);
    const g = b.build();
    const bytes = exportOnnx(g);
    const conv = decodeModel(bytes).graph?.node[0];
    expect(conv?.attribute.map((a) => [a.name, a.type])).toEqual([
      ['pads', AttributeType.INTS],
      ['strides', AttributeType.INTS],
      ['dilations', AttributeType.INTS],
      ['group', AttributeType.INT],
      ['auto_pad', AttributeType.STRING],
    ]);
    expect(importOnnx(bytes).nodes).toEqual(g.nodes);
    const feed = new Tensor('float32', [1, 4, 9, 7], new Rng(8).floats(252));
    await expectMatchesOrt(g, { x: feed }, { atol: 1e-5, rtol: 1e-5 });
  });

  it('refuses to export fused/internal attributes', () => {
    const g = tinyGraph();
    const fused: Graph = {
      ...g,
      nodes: g.nodes.map((n, i) => (i === 0 ? { ...n, attrs: { ...n.attrs, activation: 'Relu' } } : n)),
    };
    expect(() => exportOnnx(fused)).toThrow(AtrousError);
    expect(() => exportOnnx(fused)).toThrow(/'activation' is internal to atrous.*cannot be exported/);
    // activation '' (nothing fused) is not an error.
    const unfused: Graph = {
      ...g,
      nodes: g.nodes.map((n, i) => (i === 0 ? { ...n, attrs: { ...n.attrs, activation: '' } } : n)),
    };
    expect(decodeModel(exportOnnx(unfused)).graph?.node[0]?.attribute.map((a) => a.name)).toEqual(['alpha']);
    const softmax = (opset: number, coerce: number): Graph => ({
      ...g,
      opset,
      nodes: [{ name: 's', op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { coerce_2d: coerce } }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [] }],
    });
    expect(() => exportOnnx(softmax(13, 1))).toThrow(/coerce_2d/);
    // Before opset 13 coerce_2d = 1 is what Softmax means: it is dropped, not an error.
    const m = decodeModel(exportOnnx(softmax(11, 1)));
    expect(m.graph?.node[0]?.attribute).toEqual([]);
    // A softmax over one axis (no coerce_2d) below opset 13: the last axis is written as axis -1
    // (both meanings agree there); any other axis would change meaning, so it is refused.
    const perAxis = (axis?: number): Graph => ({
      ...softmax(11, 0),
      nodes: [
        {
          name: 's',
          op: 'Softmax',
          inputs: ['x'],
          outputs: ['y'],
          attrs: axis === undefined ? {} : { axis },
        },
      ],
    });
    for (const axis of [undefined, -1]) {
      const a = decodeModel(exportOnnx(perAxis(axis))).graph?.node[0]?.attribute;
      expect(a?.map((x) => [x.name, Number(x.i)])).toEqual([['axis', -1]]);
    }
    expect(() => exportOnnx(perAxis(1))).toThrow(AtrousError);
    expect(() => exportOnnx(perAxis(1))).toThrow(/softmax over axis 1 alone has no spelling there/);
  });
});

describe('ONNX import: opsets and defaults', () => {
  const softmax = (opset: number, attribute: Record<string, unknown>[] = []) =>
    importOnnx(encodeModel({ opset, nodes: [node('Softmax', ['x'], ['y'], attribute)] })).nodes[0];

  it('Softmax before opset 13 gets coerce_2d = 1 and an explicit axis', () => {
    expect(softmax(11)?.attrs).toEqual({ axis: 1, coerce_2d: 1 });
    expect(softmax(12, [attr.int('axis', -1)])?.attrs).toEqual({ axis: -1, coerce_2d: 1 });
    expect(softmax(13)?.attrs).toEqual({});
    expect(softmax(18, [attr.int('axis', 2)])?.attrs).toEqual({ axis: 2 });
  });

  it.each([9, 10, 19, 21])('opset %i is a ModelFormatError naming the supported range', (opset) => {
    const bytes = encodeModel({ opset, nodes: [node('Relu', ['x'], ['y'])] });
    expect(() => importOnnx(bytes)).toThrow(ModelFormatError);
    expect(() => importOnnx(bytes)).toThrow(new RegExp(`opset ${opset}.*opsets 11 to 18`));
  });

  it("accepts 'ai.onnx' as the default domain and ignores other domains' opsets", () => {
    const bytes = encodeModel({
      opsetImport: [
        { domain: 'ai.onnx.ml', version: 3 },
        { domain: 'ai.onnx', version: 15 },
      ],
      nodes: [node('Relu', ['x'], ['y'], [], { domain: 'ai.onnx' })],
    });
    expect(importOnnx(bytes).opset).toBe(15);
  });

  it('a model with no default-domain opset is a ModelFormatError', () => {
    const bytes = encodeModel({
      opsetImport: [{ domain: 'com.microsoft', version: 1 }],
      nodes: [node('Relu', ['x'], ['y'])],
    });
    expect(() => importOnnx(bytes)).toThrow(/no opset for the default ONNX domain/);
  });
});

describe('ONNX import: graph inputs, dims and nodes', () => {
  it('symbolic and unknown dims; initializers are not runtime inputs', () => {
    const bytes = encodeModel({
      nodes: [node('Relu', ['x'], ['y'])],
      inputs: [tensorInfo('x', DataType.FLOAT, ['batch', 3, null, -1]), tensorInfo('w', DataType.FLOAT, [1])],
      outputs: [tensorInfo('y', DataType.FLOAT, ['batch', 3, 'h', 'w'])],
      initializers: [{ name: 'w', dims: [1], data_type: DataType.FLOAT, float_data: [1] }],
    });
    const g = importOnnx(bytes);
    expect(g.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['batch', 3, 'x_d2', 'x_d3'] }]);
    expect(g.outputs).toEqual([{ name: 'y', dtype: 'float32', shape: ['batch', 3, 'h', 'w'] }]);
    expect([...g.initializers.keys()]).toEqual(['w']);
  });

  it('names unnamed nodes op_index without clashing', () => {
    const bytes = encodeModel({
      nodes: [
        node('Relu', ['x'], ['a']),
        node('Relu', ['a'], ['b'], [], { name: 'Relu_1' }),
        node('Sigmoid', ['b'], ['c'], [], { name: 'Relu_1_' }),
        node('Relu', ['c'], ['y']),
      ],
    });
    expect(importOnnx(bytes).nodes.map((n) => n.name)).toEqual(['Relu_0', 'Relu_1', 'Relu_1_', 'Relu_3']);
  });

  it('converts every attribute type', () => {
    const t = { dims: [2], data_type: DataType.INT64, int64_data: [5, -6] };
    const n = importOnnx(
      encodeModel({
        nodes: [
          node(
            'Constant',
            [],
            ['y'],
            [
              attr.int('i', -7),
              attr.float('f', 0.3),
              attr.ints('is', [1, -2]),
              attr.floats('fs', [0.5, 1e-5]),
              attr.string('s', 'héllo'),
              { name: 'ss', type: AttributeType.STRINGS, strings: [new TextEncoder().encode('a')] },
              attr.tensor('value', t),
            ],
          ),
        ],
      }),
    ).nodes[0];
    const { value, ...rest } = n?.attrs ?? {};
    expect(rest).toEqual({ i: -7, f: 0.3, is: [1, -2], fs: [0.5, 1e-5], s: 'héllo', ss: ['a'] });
    expect(value).toBeInstanceOf(Tensor);
    expect((value as Tensor).dtype).toBe('int64');
    expect((value as Tensor).toNumbers()).toEqual([5, -6]);
  });

  it('Constant node values (tensor, value_float, value_ints) pass through as attributes', () => {
    const g = importOnnx(
      encodeModel({
        nodes: [
          node(
            'Constant',
            [],
            ['c0'],
            [attr.tensor('value', { dims: [], data_type: DataType.FLOAT, float_data: [2.5] })],
          ),
          node('Constant', [], ['c1'], [attr.float('value_float', 0.5)]),
          node('Constant', [], ['c2'], [attr.ints('value_ints', [1, 2, 3])]),
          node('Relu', ['x'], ['y']),
        ],
      }),
    );
    const c0 = g.nodes[0]?.attrs.value as Tensor;
    expect([c0.dtype, c0.dims, c0.toNumbers()]).toEqual(['float32', [], [2.5]]);
    expect(g.nodes[1]?.attrs).toEqual({ value_float: 0.5 });
    expect(g.nodes[2]?.attrs).toEqual({ value_ints: [1, 2, 3] });
  });

  it('Session.create runs an ONNX file end to end', async () => {
    const bytes = encodeModel({
      nodes: [node('LeakyRelu', ['x'], ['a'], [attr.float('alpha', 0.5)]), node('Clip', ['a', 'lo'], ['y'])],
      initializers: [
        { name: 'lo', dims: [], data_type: DataType.FLOAT, raw_data: rawBytes(new Float32Array([-1])) },
      ],
      inputs: [tensorInfo('x', DataType.FLOAT, ['N', 4])],
      outputs: [tensorInfo('y', DataType.FLOAT, ['N', 4])],
    });
    const session = await Session.create(bytes);
    expect(session.inputs.map((i) => i.name)).toEqual(['x']);
    const { y } = await session.run({
      x: Tensor.fromNumbers('float32', [2, 4], [-4, -2, -1, 0, 1, 2, 3, -0.5]),
    });
    expect(y?.dims).toEqual([2, 4]);
    expect(y?.toNumbers()).toEqual([-1, -1, -0.5, 0, 1, 2, 3, -0.25]);
  });
});

import { encode as encodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import {
  AtrousError,
  ModelFormatError,
  UnsupportedAttributeError,
  UnsupportedOpError,
} from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { exportOnnx } from '../../src/graph/export/onnx.js';
import { importModel } from '../../src/graph/import/index.js';
import { importOnnx } from '../../src/graph/import/onnx.js';
import { AttributeType, DataType } from '../../src/graph/import/onnx-schema.js';
import { Rng } from '../../src/util/random.js';
import { attr, encodeModel, node, tensorInfo } from '../helpers/onnx-proto.js';

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

function validModel(): Uint8Array {
  const b = new GraphBuilder('m');
  const x = b.input('x', [1, 8, 16, 16]);
  const w = b.param('w', [1, 8, 16, 16]);
  b.output(b.op('LeakyRelu', [b.op('Clip', [x, w])], { alpha: 0.3 }));
  return exportOnnx(b.build());
}

describe('ONNX import of bad bytes', () => {
  it('empty bytes', () => {
    expect(() => importModel(new Uint8Array(0))).toThrow(/empty/);
    const e = errorOf(() => importOnnx(new Uint8Array(0)));
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.message).toMatch(/not a valid ONNX model: it has no graph/);
  });

  it('a model cut in half', () => {
    const bytes = validModel();
    const e = errorOf(() => importOnnx(bytes.subarray(0, bytes.length >> 1)));
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.message).toMatch(/not a valid ONNX model: .*truncated/);
  });

  it('every truncation and single-byte corruption gives an AtrousError, never a raw exception', () => {
    const bytes = validModel();
    const rng = new Rng(11);
    let failures = 0;
    const attempt = (b: Uint8Array) => {
      try {
        importOnnx(b);
      } catch (e) {
        failures++;
        if (!(e instanceof AtrousError)) throw new Error(`raw exception escaped: ${String(e)}`);
      }
    };
    for (let cut = 0; cut < bytes.length; cut += 97) attempt(bytes.subarray(0, cut));
    for (let i = 0; i < 300; i++) {
      const copy = bytes.slice();
      copy[rng.int(0, 200)] = rng.int(0, 255); // the header: names, types, dims
      attempt(copy);
    }
    expect(failures).toBeGreaterThan(bytes.length / 97 - 1);
  });

  it('random bytes', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 20; i++) {
      const bytes = Uint8Array.from({ length: rng.int(1, 4000) }, () => rng.int(0, 255));
      const e = errorOf(() => importOnnx(bytes));
      expect(e).toBeInstanceOf(ModelFormatError);
      expect(e.message).toMatch(/not a valid ONNX model/);
    }
  });

  it('a JSON file and a PNG file', () => {
    const json = new TextEncoder().encode(JSON.stringify({ model: 'deeplab', layers: [1, 2, 3] }));
    const png = encodePng({ width: 4, height: 4, data: new Uint8Array(64).fill(200), channels: 4 });
    for (const bytes of [json, png]) {
      const e = errorOf(() => importOnnx(bytes));
      expect(e).toBeInstanceOf(ModelFormatError);
      expect(e.message).toMatch(/not a valid ONNX model/);
    }
  });

  it('a model with no outputs or no nodes', () => {
    expect(() => importOnnx(encodeModel({ nodes: [node('Relu', ['x'], ['y'])], outputs: [] }))).toThrow(
      /graph has no outputs/,
    );
    expect(() => importOnnx(encodeModel({ nodes: [] }))).toThrow(/graph has no nodes/);
  });
});

describe('ONNX import of unsupported content', () => {
  it('an unknown op names the node and the op', () => {
    const bytes = encodeModel({ nodes: [node('LSTM', ['x'], ['y'], [], { name: 'encoder_lstm' })] });
    const e = errorOf(() => importOnnx(bytes)) as UnsupportedOpError;
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect([e.nodeName, e.op]).toEqual(['encoder_lstm', 'LSTM']);
    expect(e.message).toMatch(/node 'encoder_lstm': op 'LSTM' is not supported. Supported ops: .*Conv/);
  });

  it('an op from another domain is unsupported even if its name matches', () => {
    const bytes = encodeModel({
      opsetImport: [
        { domain: '', version: 13 },
        { domain: 'com.microsoft', version: 1 },
      ],
      nodes: [node('Relu', ['x'], ['y'], [], { domain: 'com.microsoft' })],
    });
    expect(() => importOnnx(bytes)).toThrow(/op 'Relu' \(domain 'com.microsoft'\) is not supported/);
  });

  it('an attribute of the wrong type names the node and the attribute', () => {
    const bytes = encodeModel({
      nodes: [node('LeakyRelu', ['x'], ['y'], [attr.string('alpha', 'big')], { name: 'lr' })],
    });
    const e = errorOf(() => importOnnx(bytes)) as UnsupportedAttributeError;
    expect(e).toBeInstanceOf(UnsupportedAttributeError);
    expect(e.attribute).toBe('alpha');
    expect(e.message).toMatch(/node 'lr' \(LeakyRelu\): attribute 'alpha' must be of type float.*STRING/);
  });

  it('a STRING attribute with no bytes (the field left out) reads as empty, then fails its check', async () => {
    // protobufjs decodes the absent bytes field to a plain empty array, not a Uint8Array.
    const bytes = encodeModel({
      nodes: [
        node('Pad', ['x', 'p'], ['y'], [{ name: 'mode', type: AttributeType.STRING }], { name: 'pad' }),
      ],
    });
    const graph = importOnnx(bytes);
    expect(graph.nodes[0]?.attrs.mode).toBe('');
    await expect(Session.create(bytes)).rejects.toThrow(UnsupportedAttributeError);
    await expect(Session.create(bytes)).rejects.toThrow(
      /node 'pad' \(Pad\): attribute 'mode' = "" is not supported/,
    );
  });

  it('an attribute the op does not have is rejected when the session validates the graph', async () => {
    const bytes = encodeModel({ nodes: [node('Relu', ['x'], ['y'], [attr.int('bogus', 1)])] });
    await expect(Session.create(bytes)).rejects.toThrow(
      /attribute 'bogus' is not an attribute atrous implements/,
    );
  });

  it('GRAPH attributes (control flow) are an UnsupportedAttributeError', () => {
    const sub = { name: 'body', node: [], output: [tensorInfo('z', DataType.FLOAT, [1])] };
    const bytes = encodeModel({
      nodes: [node('Identity', ['x'], ['y'], [{ name: 'then_branch', type: AttributeType.GRAPH, g: sub }])],
    });
    const e = errorOf(() => importOnnx(bytes));
    expect(e).toBeInstanceOf(UnsupportedAttributeError);
    expect(e.message).toMatch(/attribute 'then_branch' is a subgraph/);
  });

  it('a graph input of an unsupported element type', () => {
    const bytes = encodeModel({
      nodes: [node('Relu', ['x'], ['y'])],
      inputs: [tensorInfo('x', DataType.UINT16, [4])],
    });
    expect(() => importOnnx(bytes)).toThrow(/graph input 'x' has element type UINT16/);
  });
});

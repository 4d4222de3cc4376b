import { ModelProto } from '../../src/graph/import/onnx-schema.js';
import type { Rng } from '../../src/util/random.js';

/**
 * Structural mutations of a real ONNX model (decoded, changed, re-encoded), for the import fuzz
 * (test/import/onnx-mutations.test.ts): attributes dropped, retyped or given odd values, inputs
 * dropped or renamed, initializer dims, data, and dtypes changed, op types, domains and the opset
 * replaced. Byte-level corruption is onnx-errors.test.ts's; these keep the protobuf valid, so what
 * is checked is the importer and everything after it.
 */
interface AttrMsg {
  name?: string;
  type?: number;
  i?: number;
  ints?: number[];
}
interface NodeMsg {
  opType?: string;
  domain?: string;
  input?: string[];
  attribute?: AttrMsg[];
}
interface InitMsg {
  dims?: number[];
  rawData?: number[];
  floatData?: number[];
  dataType?: number;
}
interface ModelMsg {
  opsetImport?: { version?: number }[];
  graph: { node?: NodeMsg[]; initializer?: InitMsg[] };
}

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[r.int(0, xs.length - 1)] as T;

/** 1-3 mutations of `model`; returns the new bytes and what was done. */
export function mutateOnnx(model: Uint8Array, r: Rng): { bytes: Uint8Array; what: string[] } {
  const msg = ModelProto.toObject(ModelProto.decode(model), { longs: Number, bytes: Array }) as ModelMsg;
  msg.graph.node ??= [];
  msg.graph.initializer ??= [];
  const nodes = msg.graph.node;
  const inits = msg.graph.initializer;
  const what: string[] = [];
  for (let m = r.int(1, 3); m > 0; m--) {
    const node = pick(r, nodes);
    const attr = node.attribute?.length ? pick(r, node.attribute) : undefined;
    const init = inits.length ? pick(r, inits) : undefined;
    switch (r.int(0, 11)) {
      case 0:
        if (attr) node.attribute = node.attribute?.filter((a) => a !== attr);
        what.push(`drop attribute ${attr?.name} of ${node.opType}`);
        break;
      case 1:
        if (attr) attr.type = r.int(0, 14);
        what.push(`retype attribute ${attr?.name}`);
        break;
      case 2:
        if (attr && Array.isArray(attr.ints))
          attr.ints = attr.ints.map(() => r.int(-3, 9)).slice(0, r.int(0, 5));
        what.push(`ints of ${attr?.name}`);
        break;
      case 3:
        if (attr && typeof attr.i === 'number') attr.i = pick(r, [-1, 0, 2, 1e9, -2147483648]);
        what.push(`int of ${attr?.name}`);
        break;
      case 4:
        if (node.input?.length) node.input = node.input.slice(0, r.int(0, node.input.length - 1));
        what.push(`drop inputs of ${node.opType}`);
        break;
      case 5:
        if (node.input?.length) node.input[r.int(0, node.input.length - 1)] = 'nowhere';
        what.push(`rename an input of ${node.opType}`);
        break;
      case 6:
        if (init?.dims) init.dims = init.dims.map((d) => (r.next() < 0.5 ? d + r.int(-1, 1) : d));
        what.push('initializer dims');
        break;
      case 7:
        if (init?.rawData) init.rawData = init.rawData.slice(0, r.int(0, init.rawData.length));
        if (init?.floatData) init.floatData = init.floatData.slice(0, r.int(0, init.floatData.length));
        what.push('initializer data cut');
        break;
      case 8:
        if (init) init.dataType = r.int(0, 17);
        what.push('initializer dtype');
        break;
      case 9:
        node.opType = pick(r, ['Conv', 'Foo', 'Resize', 'Add', '', 'Relu']);
        what.push(`op type ${node.opType}`);
        break;
      case 10:
        node.domain = pick(r, ['com.microsoft', 'ai.onnx.ml', 'x']);
        what.push(`domain ${node.domain}`);
        break;
      default:
        msg.opsetImport = [{ version: pick(r, [1, 6, 7, 9, 25, 0]) }];
        what.push(`opset ${msg.opsetImport[0]?.version}`);
    }
  }
  return { bytes: ModelProto.encode(ModelProto.fromObject(msg)).finish(), what };
}

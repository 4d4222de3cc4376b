import type { Tensor } from '../../engine/tensor.js';
import type { AttrValue, Graph } from '../ir.js';
import {
  ATROUS_MAGIC,
  ATROUS_PREAMBLE,
  ATROUS_VERSION,
  type AtrousHeader,
  alignUp,
  type StoredAttr,
  storeNumber,
  type TensorEntry,
} from './atrous-format.js';
import { encodeHalf, fitsHalf } from './float16.js';

export interface SaveAtrousOptions {
  /**
   * Store float32 tensors as IEEE half (half the size; read back as float32). Tensors with values
   * beyond half's range (±65504) stay float32.
   */
  fp16?: boolean;
}

const bytesOf = (t: Tensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** Encodes a graph and its weights as one .atrous file. */
export function saveAtrous(graph: Graph, options: SaveAtrousOptions = {}): Uint8Array {
  const blobs: Uint8Array[] = [];
  let dataBytes = 0;
  const place = (t: Tensor): TensorEntry => {
    let storage: TensorEntry['storage'] = t.dtype === 'float32' ? 'f32' : 'raw';
    let bytes = bytesOf(t);
    if (options.fp16 && t.dtype === 'float32' && fitsHalf(t.data as Float32Array)) {
      storage = 'f16';
      bytes = encodeHalf(t.data as Float32Array);
    }
    const offset = alignUp(dataBytes);
    dataBytes = offset + bytes.byteLength;
    blobs.push(bytes);
    return { dtype: t.dtype, shape: [...t.dims], storage, offset, bytes: bytes.byteLength };
  };
  const entries: TensorEntry[] = [];
  const initializers = [...graph.initializers].map(([name, t]) => ({ name, ...place(t) }));
  const attrTensors: TensorEntry[] = [];
  const storeAttr = (v: AttrValue): StoredAttr => {
    if (typeof v === 'number') return { type: 'number', value: storeNumber(v) };
    if (typeof v === 'string') return { type: 'string', value: v };
    if (Array.isArray(v)) {
      return v.length > 0 && typeof v[0] === 'string'
        ? { type: 'strings', value: v as string[] }
        : { type: 'numbers', value: (v as number[]).map(storeNumber) };
    }
    attrTensors.push(place(v));
    return { type: 'tensor', tensor: attrTensors.length - 1 };
  };
  const nodes = graph.nodes.map((n) => ({
    name: n.name,
    op: n.op,
    inputs: [...n.inputs],
    outputs: [...n.outputs],
    attrs: Object.fromEntries(Object.entries(n.attrs).map(([k, v]) => [k, storeAttr(v)])),
  }));
  entries.push(...initializers, ...attrTensors);
  const value = (t: Graph['inputs'][number]) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape] });
  const header: AtrousHeader = {
    format: 'atrous',
    version: ATROUS_VERSION,
    graph: {
      name: graph.name,
      opset: graph.opset,
      inputs: graph.inputs.map(value),
      outputs: graph.outputs.map(value),
      nodes,
      ...(graph.metadata ? { metadata: { ...graph.metadata } } : {}),
    },
    initializers,
    attrTensors,
    dataBytes,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = alignUp(ATROUS_PREAMBLE + json.byteLength);
  const out = new Uint8Array(dataStart + dataBytes);
  for (let i = 0; i < 4; i++) out[i] = ATROUS_MAGIC.charCodeAt(i);
  const view = new DataView(out.buffer);
  view.setUint32(4, ATROUS_VERSION, true);
  view.setUint32(8, json.byteLength, true);
  out.set(json, ATROUS_PREAMBLE);
  entries.forEach((e, i) => {
    out.set(blobs[i] as Uint8Array, dataStart + e.offset);
  });
  return out;
}

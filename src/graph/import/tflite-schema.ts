import { ByteBuffer } from 'flatbuffers';
import { ModelFormatError } from '../../errors.js';

/**
 * Bounds-checked readers for the TFLite FlatBuffer tables atrous needs (field order of the official
 * schema, tensorflow/lite/schema/schema.fbs). The `flatbuffers` ByteBuffer reads bytes without
 * checking offsets, so every table, vector and string position is checked here first: a truncated
 * or corrupt file fails with a ModelFormatError instead of reading garbage.
 */
export class FbTable {
  constructor(
    private readonly r: FbReader,
    readonly pos: number,
    private readonly what: string,
  ) {}

  /** Absolute position of field `id`'s value, or 0 when the field is absent. */
  private field(id: number): number {
    const bb = this.r.bb;
    const vt = this.pos - bb.readInt32(this.pos);
    this.r.check(vt, 4, `${this.what} vtable`);
    const vtSize = bb.readUint16(vt);
    const slot = 4 + 2 * id;
    if (slot + 2 > vtSize) return 0;
    this.r.check(vt, vtSize, `${this.what} vtable`);
    const off = bb.readUint16(vt + slot);
    return off === 0 ? 0 : this.pos + off;
  }

  int(id: number, def = 0): number {
    const p = this.field(id);
    if (!p) return def;
    this.r.check(p, 4, this.what);
    return this.r.bb.readInt32(p);
  }

  uint(id: number, def = 0): number {
    const p = this.field(id);
    if (!p) return def;
    this.r.check(p, 4, this.what);
    return this.r.bb.readUint32(p);
  }

  byte(id: number, def = 0): number {
    const p = this.field(id);
    if (!p) return def;
    this.r.check(p, 1, this.what);
    return this.r.bb.readInt8(p);
  }

  ubyte(id: number, def = 0): number {
    const p = this.field(id);
    if (!p) return def;
    this.r.check(p, 1, this.what);
    return this.r.bb.readUint8(p);
  }

  bool(id: number, def = false): boolean {
    return this.ubyte(id, def ? 1 : 0) !== 0;
  }

  float(id: number, def = 0): number {
    const p = this.field(id);
    if (!p) return def;
    this.r.check(p, 4, this.what);
    return this.r.bb.readFloat32(p);
  }

  uint64(id: number): bigint {
    const p = this.field(id);
    if (!p) return 0n;
    this.r.check(p, 8, this.what);
    return this.r.bb.readUint64(p);
  }

  /** Position of the referenced object (table, vector, string), or 0 when absent. */
  private ref(id: number): number {
    const p = this.field(id);
    if (!p) return 0;
    this.r.check(p, 4, this.what);
    const target = p + this.r.bb.readUint32(p);
    this.r.check(target, 4, this.what);
    return target;
  }

  table(id: number, what: string): FbTable | undefined {
    const t = this.ref(id);
    return t ? this.r.tableAt(t, what) : undefined;
  }

  string(id: number): string {
    const v = this.vectorAt(id, 1, 'string');
    return v ? new TextDecoder().decode(this.r.bytes.subarray(v.start, v.start + v.length)) : '';
  }

  bytes(id: number): Uint8Array | undefined {
    const v = this.vectorAt(id, 1, 'byte vector');
    return v ? this.r.bytes.subarray(v.start, v.start + v.length) : undefined;
  }

  ints(id: number): number[] {
    const v = this.vectorAt(id, 4, 'int vector');
    if (!v) return [];
    return Array.from({ length: v.length }, (_, i) => this.r.bb.readInt32(v.start + 4 * i));
  }

  floats(id: number): number[] {
    const v = this.vectorAt(id, 4, 'float vector');
    if (!v) return [];
    return Array.from({ length: v.length }, (_, i) => this.r.bb.readFloat32(v.start + 4 * i));
  }

  longs(id: number): number[] {
    const v = this.vectorAt(id, 8, 'long vector');
    if (!v) return [];
    return Array.from({ length: v.length }, (_, i) => Number(this.r.bb.readInt64(v.start + 8 * i)));
  }

  tables(id: number, what: string): FbTable[] {
    const v = this.vectorAt(id, 4, `${what} vector`);
    if (!v) return [];
    return Array.from({ length: v.length }, (_, i) => {
      const p = v.start + 4 * i;
      return this.r.tableAt(p + this.r.bb.readUint32(p), `${what}[${i}]`);
    });
  }

  private vectorAt(id: number, elem: number, kind: string): { start: number; length: number } | undefined {
    const v = this.ref(id);
    if (!v) return undefined;
    const length = this.r.bb.readUint32(v);
    this.r.check(v + 4, length * elem, `${this.what} ${kind}`);
    return { start: v + 4, length };
  }
}

export class FbReader {
  readonly bb: ByteBuffer;
  constructor(readonly bytes: Uint8Array) {
    this.bb = new ByteBuffer(bytes);
  }

  check(pos: number, size: number, what: string): void {
    if (!(pos >= 0 && size >= 0 && pos + size <= this.bytes.length)) {
      throw new ModelFormatError(
        `TFLite file is truncated or corrupt: ${what} at byte ${pos} (+${size}) lies outside the ${this.bytes.length}-byte file`,
      );
    }
  }

  tableAt(pos: number, what: string): FbTable {
    this.check(pos, 4, what);
    return new FbTable(this, pos, what);
  }

  root(): FbTable {
    this.check(0, 8, 'root offset');
    return this.tableAt(this.bb.readUint32(0), 'Model');
  }
}

// ---- The TFLite tables atrous reads (field ids = declaration order in schema.fbs; a union takes
// two ids: its type byte, then its value). ----

export interface TflQuantization {
  scale: number[];
  zeroPoint: number[];
  hasDetails: boolean;
}

export interface TflTensor {
  index: number;
  shape: number[];
  /** shape_signature: -1 marks a dynamic dimension; empty when absent. */
  signature: number[];
  type: number;
  buffer: number;
  name: string;
  quantization?: TflQuantization;
  isVariable: boolean;
  sparse: boolean;
}

export interface TflOperator {
  index: number;
  opcodeIndex: number;
  inputs: number[];
  outputs: number[];
  optionsType: number;
  options?: FbTable;
  customOptions?: Uint8Array;
}

export interface TflSubgraph {
  name: string;
  tensors: TflTensor[];
  inputs: number[];
  outputs: number[];
  operators: TflOperator[];
}

export interface TflOperatorCode {
  builtin: number;
  custom: string;
  version: number;
}

export interface TflModel {
  version: number;
  description: string;
  operatorCodes: TflOperatorCode[];
  subgraphs: TflSubgraph[];
  /** Buffer bytes by index (empty for the sentinel and for tensors without data). */
  buffers: Uint8Array[];
}

function readTensor(t: FbTable, index: number): TflTensor {
  const q = t.table(4, `tensor ${index} quantization`);
  return {
    index,
    shape: t.ints(0),
    type: t.byte(1),
    buffer: t.uint(2),
    name: t.string(3),
    ...(q
      ? { quantization: { scale: q.floats(2), zeroPoint: q.longs(3), hasDetails: q.ubyte(4) !== 0 } }
      : {}),
    isVariable: t.bool(5),
    sparse: t.table(6, `tensor ${index} sparsity`) !== undefined,
    signature: t.ints(7),
  };
}

function readOperator(o: FbTable, index: number): TflOperator {
  const options = o.table(4, `operator ${index} builtin_options`);
  const custom = o.bytes(5);
  return {
    index,
    opcodeIndex: o.uint(0),
    inputs: o.ints(1),
    outputs: o.ints(2),
    optionsType: o.ubyte(3),
    ...(options ? { options } : {}),
    ...(custom ? { customOptions: custom } : {}),
  };
}

function readSubgraph(s: FbTable): TflSubgraph {
  return {
    tensors: s.tables(0, 'tensor').map(readTensor),
    inputs: s.ints(1),
    outputs: s.ints(2),
    operators: s.tables(3, 'operator').map(readOperator),
    name: s.string(4),
  };
}

function readBuffer(r: FbReader, b: FbTable, index: number): Uint8Array {
  const data = b.bytes(0);
  if (data && data.length > 0) return data;
  // Schema 3c: data stored after the FlatBuffer, addressed from the start of the file.
  const offset = b.uint64(1);
  const size = b.uint64(2);
  if (offset > 1n) {
    r.check(Number(offset), Number(size), `buffer ${index} (external data)`);
    return r.bytes.subarray(Number(offset), Number(offset + size));
  }
  return new Uint8Array(0);
}

/** Parses the FlatBuffer into plain objects (option tables stay lazy, read by the op mappers). */
export function readTflModel(bytes: Uint8Array): TflModel {
  const r = new FbReader(bytes);
  const m = r.root();
  return {
    version: m.uint(0),
    operatorCodes: m.tables(1, 'operator_code').map((c) => {
      // As TFLite's GetBuiltinCode: the larger of the legacy byte and the 32-bit field.
      return {
        builtin: Math.max(c.int(3), c.byte(0)),
        custom: c.string(1),
        version: c.int(2, 1),
      };
    }),
    subgraphs: m.tables(2, 'subgraph').map(readSubgraph),
    description: m.string(3),
    buffers: m.tables(4, 'buffer').map((b, i) => readBuffer(r, b, i)),
  };
}

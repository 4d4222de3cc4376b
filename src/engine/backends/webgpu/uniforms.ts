/**
 * Packs a WGSL uniform struct: 32-bit scalars in declaration order, `array<vec4<T>, 2>` fields
 * (rank <= 8 vectors) aligned to 16 bytes, total size rounded up to 16.
 */
export class Uniforms {
  private readonly view = new DataView(new ArrayBuffer(512));
  private at = 0;

  u(...values: number[]): this {
    for (const v of values) this.put((o) => this.view.setUint32(o, v >>> 0, true));
    return this;
  }

  i(...values: number[]): this {
    for (const v of values) this.put((o) => this.view.setInt32(o, v | 0, true));
    return this;
  }

  f(...values: number[]): this {
    for (const v of values) this.put((o) => this.view.setFloat32(o, v, true));
    return this;
  }

  /** An `array<vec4<u32|i32>, 2>` field holding up to 8 values (rest zero). */
  vec8(kind: 'u' | 'i', values: readonly number[]): this {
    if (values.length > 8) throw new RangeError(`rank ${values.length} > 8`);
    this.at = Math.ceil(this.at / 16) * 16;
    const padded = [...values, ...new Array<number>(8 - values.length).fill(0)];
    return kind === 'u' ? this.u(...padded) : this.i(...padded);
  }

  bytes(): ArrayBuffer {
    return this.view.buffer.slice(0, Math.max(16, Math.ceil(this.at / 16) * 16));
  }

  private put(write: (offset: number) => void): void {
    write(this.at);
    this.at += 4;
  }
}

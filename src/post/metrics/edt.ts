/**
 * Exact squared Euclidean distance transform of a binary feature map: for each pixel, the squared
 * distance to the nearest pixel where `features` is nonzero (Infinity when there is none).
 * Phase 1 (Meijster et al. 2000): per column, the 1-D distance to the nearest feature by two
 * sweeps. Phase 2 (Felzenszwalb & Huttenlocher 2012): per row, the lower envelope of the parabolas
 * (x − p)² + g(p)². Both O(pixels), exact in integers.
 */
export function squaredEdt(features: ArrayLike<number>, width: number, height: number): Float64Array {
  const n = width * height;
  const out = new Float64Array(n);
  // Any real distance is below width + height, so it stands for "no feature in this column".
  const far = width + height;
  const g = new Float64Array(n);
  let any = false;
  // Row by row over all columns at once (contiguous memory): distance down, then up, the column.
  const d = new Float64Array(width).fill(far);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (features[row + x]) {
        d[x] = 0;
        any = true;
      } else if ((d[x] as number) < far) d[x]++;
      g[row + x] = d[x] as number;
    }
  }
  d.fill(far);
  for (let y = height - 1; y >= 0; y--) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (g[row + x] === 0) d[x] = 0;
      else if ((d[x] as number) < far) d[x]++;
      if ((d[x] as number) < (g[row + x] as number)) g[row + x] = d[x] as number;
    }
  }
  if (!any) return out.fill(Number.POSITIVE_INFINITY);
  const f = new Float64Array(width);
  const v = new Int32Array(width);
  const z = new Float64Array(width + 1);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const gx = g[row + x] as number;
      f[x] = gx * gx;
    }
    let k = 0;
    v[0] = 0;
    z[0] = Number.NEGATIVE_INFINITY;
    z[1] = Number.POSITIVE_INFINITY;
    for (let q = 1; q < width; q++) {
      const fq = (f[q] as number) + q * q;
      // z[0] = −∞ ends the loop at k = 0 at the latest.
      let p = v[k] as number;
      let s = (fq - ((f[p] as number) + p * p)) / (2 * (q - p));
      while (s <= (z[k] as number)) {
        k--;
        p = v[k] as number;
        s = (fq - ((f[p] as number) + p * p)) / (2 * (q - p));
      }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = Number.POSITIVE_INFINITY;
    }
    k = 0;
    for (let q = 0; q < width; q++) {
      while ((z[k + 1] as number) < q) k++;
      const p = v[k] as number;
      out[row + q] = (q - p) * (q - p) + (f[p] as number);
    }
  }
  return out;
}

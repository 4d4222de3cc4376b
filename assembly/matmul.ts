// y[m,n] = act(bias[m*biasRow + n] + sum_k a[m,k] * b[k,n]) for row-major a [M,K], b [K,N]
// (Gemm, MatMul). Blocks of 8 columns (two vectors) × 2 rows; column tails over-read b into the
// arena slack and store only the valid lanes. bias = 0 means no bias.
import { act4 } from './activation';
import { store8 } from './conv';

export function matmul(
  a: usize, b: usize, bias: usize, y: usize, M: i32, K: i32, N: i32, biasRow: i32,
  kind: i32, q0: f32, q1: f32,
): void {
  const rowB = <usize>N << 2;
  for (let m = 0; m < M; m += 2) {
    const two = m + 1 < M;
    const pa0 = a + (<usize>(m * K) << 2);
    const pa1 = two ? pa0 + (<usize>K << 2) : pa0;
    for (let n = 0; n < N; n += 8) {
      let x0 = f32x4.splat(0), x1 = x0, z0 = x0, z1 = x0;
      if (bias != 0) {
        const pb0 = bias + (<usize>(m * biasRow + n) << 2);
        x0 = v128.load(pb0);
        x1 = v128.load(pb0 + 16);
        const pb1 = two ? bias + (<usize>((m + 1) * biasRow + n) << 2) : pb0;
        z0 = v128.load(pb1);
        z1 = v128.load(pb1 + 16);
      }
      let pb = b + (<usize>n << 2);
      for (let k = 0; k < K; k++) {
        const w0 = v128.load(pb), w1 = v128.load(pb + 16);
        const u = f32x4.splat(load<f32>(pa0 + (<usize>k << 2)));
        const v = f32x4.splat(load<f32>(pa1 + (<usize>k << 2)));
        x0 = f32x4.add(x0, f32x4.mul(u, w0));
        x1 = f32x4.add(x1, f32x4.mul(u, w1));
        z0 = f32x4.add(z0, f32x4.mul(v, w0));
        z1 = f32x4.add(z1, f32x4.mul(v, w1));
        pb += rowB;
      }
      const count = N - n;
      store8(y + (<usize>(m * N + n) << 2), act4(x0, kind, q0, q1), act4(x1, kind, q0, q1), count);
      if (two) store8(y + (<usize>((m + 1) * N + n) << 2), act4(z0, kind, q0, q1), act4(z1, kind, q0, q1), count);
    }
  }
}

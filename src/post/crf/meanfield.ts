import { softmaxRows } from './inputs.js';

/**
 * The pairwise part of the mean-field update: msg_i(l) = Σ_k w_k n_k(i) Σ_j K_k(i, j) n_k(j) Q_j(l)
 * (Potts: a class only attracts itself). Q and msg are pixel-major, `classes` values per pixel.
 */
export interface PairwiseMessage {
  message(q: Float64Array, out: Float64Array): void;
}

/** Called after each iteration with the iteration number (1-based) and the new Q. */
export type IterationHook = (iteration: number, q: Float64Array) => void;

/**
 * Parallel mean field: Q = softmax(−ψ); then `iterations` times Q = softmax(−ψ + msg(Q)),
 * every pixel and kernel reading the same Q.
 */
export function meanField(
  unary: Float64Array,
  classes: number,
  pairwise: PairwiseMessage,
  iterations: number,
  onIteration?: IterationHook,
): Float64Array {
  const q = new Float64Array(unary.length);
  const logit = new Float64Array(unary.length);
  for (let i = 0; i < unary.length; i++) logit[i] = -(unary[i] as number);
  softmaxRows(logit, q, classes);
  const msg = new Float64Array(unary.length);
  for (let it = 1; it <= iterations; it++) {
    pairwise.message(q, msg);
    for (let i = 0; i < unary.length; i++) logit[i] = (msg[i] as number) - (unary[i] as number);
    softmaxRows(logit, q, classes);
    onIteration?.(it, q);
  }
  return q;
}

/**
 * The mean-field free energy, KL(Q || P) up to P's log-partition:
 * Σ Q log Q + Σ Q ψ_u − ½ Σ Q ⊙ msg(Q) (the pairwise energy of Potts with the normalized kernels,
 * self terms included, which is what the update above is the fixed point of).
 */
export function meanFieldEnergy(q: Float64Array, unary: Float64Array, pairwise: PairwiseMessage): number {
  const msg = new Float64Array(q.length);
  pairwise.message(q, msg);
  let e = 0;
  for (let i = 0; i < q.length; i++) {
    const v = q[i] as number;
    if (v > 0) e += v * Math.log(v);
    e += v * (unary[i] as number) - 0.5 * v * (msg[i] as number);
  }
  return e;
}

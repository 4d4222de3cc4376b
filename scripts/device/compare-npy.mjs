// node scripts/device/compare-npy.mjs GOT.npy WANT.npy: the relative error of one output,
// max |got - want| / max |want|, and whether it is within 1e-3.
import { readFileSync } from 'node:fs';
import { outputError, parseNpy } from '../../dist/index.js';

const [got, want] = process.argv.slice(2).map((f) => parseNpy(readFileSync(f)));
if (!got || !want) throw new Error('usage: compare-npy.mjs GOT.npy WANT.npy');
if (got.dims.join('x') !== want.dims.join('x')) throw new Error(`dims ${got.dims} vs ${want.dims}`);
const { rel } = outputError(got.data, want.data);
console.log(
  `relative error ${rel.toExponential(3)} (${rel <= 1e-3 ? 'within' : 'OVER'} 1e-3), dims ${want.dims.join('x')}`,
);

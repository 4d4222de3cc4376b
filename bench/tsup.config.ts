import { defineConfig } from 'tsup';
import { wgslRaw } from '../scripts/esbuild-wgsl.js';

// Builds the bench into build/bench/ (git-ignored, not in the npm package). The bench sources import
// '../src/index.js' (so tsc and vitest check them against the sources); here that import is pointed
// at the built library, dist/index.js, so the bench times exactly what `npm run build` ships.
export default defineConfig({
  entry: { run: 'bench/run.ts', 'ort-worker': 'bench/ort-worker.ts' },
  outDir: 'build/bench',
  format: ['esm'],
  target: 'es2022',
  platform: 'node',
  sourcemap: true,
  clean: true,
  splitting: true,
  dts: false,
  external: ['onnxruntime-web', 'benchmark'],
  esbuildPlugins: [
    // Sources the bench imports past src/index.js (backend internals) may reach the embedded kernels.
    wgslRaw,
    {
      name: 'atrous-dist',
      setup(build) {
        build.onResolve({ filter: /\/src\/index\.js$/ }, () => ({
          path: '../../dist/index.js',
          external: true,
        }));
      },
    },
  ],
});

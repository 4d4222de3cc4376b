import { defineConfig } from 'tsup';

// bench/browser/page.ts → build/bench-browser/page.js for the page, and the Node driver
// bench/browser/run.ts → build/bench-browser/run.js. Their imports of '../../src/index.js' (and
// bench/workloads.ts's '../src/index.js') point at the built library, dist/index.js, so the bench
// times what ships. The driver builds the cases (bench/workloads.ts needs Node); the page fetches them.
const toDist = (path: string) => ({
  name: 'atrous-dist',
  setup(build: { onResolve: (o: { filter: RegExp }, f: () => { path: string; external: boolean }) => void }) {
    build.onResolve({ filter: /\/src\/index\.js$/ }, () => ({ path, external: true }));
  },
});

export default defineConfig([
  {
    entry: { page: 'bench/browser/page.ts' },
    outDir: 'build/bench-browser',
    format: ['esm'],
    target: 'es2022',
    platform: 'browser',
    sourcemap: true,
    clean: false,
    dts: false,
    esbuildPlugins: [toDist('/dist/index.js')],
  },
  {
    entry: { run: 'bench/browser/run.ts', node: 'bench/browser/node.ts' },
    outDir: 'build/bench-browser',
    format: ['esm'],
    target: 'es2022',
    platform: 'node',
    sourcemap: true,
    clean: false,
    dts: false,
    external: ['playwright-core', 'onnxruntime-web', 'webgpu'],
    esbuildPlugins: [toDist('../../dist/index.js')],
  },
]);

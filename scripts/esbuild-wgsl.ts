import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/** The part of esbuild's plugin API this plugin uses (esbuild comes with tsup). */
interface PluginBuild {
  onResolve(
    options: { filter: RegExp },
    callback: (args: { path: string; resolveDir: string }) => { path: string; namespace: string },
  ): void;
  onLoad(
    options: { filter: RegExp; namespace: string },
    callback: (args: { path: string }) => Promise<{ contents: string; loader: 'text' }>,
  ): void;
}

/**
 * `import text from '…/kernels/x.wgsl?raw'` (src/engine/backends/webgpu/embedded-wgsl.ts) as the
 * file's text, the way Vite (vitest, vite-node) reads it: tsup's esbuild has no `?raw`.
 */
export const wgslRaw = {
  name: 'atrous-wgsl-raw',
  setup(build: PluginBuild) {
    build.onResolve({ filter: /\.wgsl\?raw$/ }, (args) => ({
      path: resolve(args.resolveDir, args.path.replace(/\?raw$/, '')),
      namespace: 'wgsl-raw',
    }));
    build.onLoad({ filter: /.*/, namespace: 'wgsl-raw' }, async (args) => ({
      contents: await readFile(args.path, 'utf8'),
      loader: 'text',
    }));
  },
};

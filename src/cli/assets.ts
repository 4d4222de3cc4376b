import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root: the nearest folder above this file whose package.json is atrous's. Walking up
 * works wherever the code sits (src/cli in development, dist/ or dist/cli after bundling — chunks
 * move code between those — or node_modules/atrous/dist when installed).
 */
export function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'atrous') return dir;
      } catch {
        // An unreadable package.json is not ours; keep walking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** A file of the bundled assets/ folder (the path is returned even when it does not exist). */
export function assetPath(name: string): string {
  return join(packageRoot() ?? process.cwd(), 'assets', name);
}

export const DEFAULT_MODEL = 'demo-model.onnx';
export const DEFAULT_IMAGE = 'astronaut.png';

export function packageVersion(): string {
  const root = packageRoot();
  if (!root) return 'unknown';
  return (
    (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ??
    'unknown'
  );
}

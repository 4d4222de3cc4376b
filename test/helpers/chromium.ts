import { existsSync } from 'node:fs';

/** Debian's chromium, driven by playwright-core (see /work/shared/webgpu-on-cpu.md). */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless, no network side traffic, WebGPU on SwiftShader's adapter. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type Playwright = typeof import('playwright-core');

/** playwright-core when installed (a devDependency), else undefined. */
export async function loadPlaywright(): Promise<Playwright | undefined> {
  try {
    return await import('playwright-core');
  } catch {
    return undefined;
  }
}

/**
 * Why a Chromium test cannot run here (playwright-core, chromium or a built file missing), or
 * undefined when it can. `needs` are repo files the page loads, with the command that makes them.
 */
export function chromiumSkipReason(
  playwright: Playwright | undefined,
  needs: Record<string, string> = {},
): string | undefined {
  if (!playwright) return 'playwright-core is not installed (npm install --save-dev playwright-core)';
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install chromium)`;
  for (const [file, how] of Object.entries(needs)) {
    if (!existsSync(file)) return `${file} is missing (${how})`;
  }
  return undefined;
}

/**
 * dist/index.js keeps its dependencies as bare imports (and has no node:* imports), so a page that
 * loads it needs an import map: ESM packages from node_modules, protobufjs's browser build as a
 * global, and a stub for jpeg-js (CommonJS; not used by these pages).
 */
const IMPORT_MAP = {
  imports: {
    protobufjs: '/__shim/protobufjs.js',
    'jpeg-js': '/__shim/jpeg-js.js',
    'fast-png': '/node_modules/fast-png/lib/index.js',
    iobuffer: '/node_modules/iobuffer/lib/iobuffer.js',
    fflate: '/node_modules/fflate/esm/browser.js',
    flatbuffers: '/node_modules/flatbuffers/mjs/flatbuffers.js',
  },
};
const SHIMS: Record<string, string> = {
  'protobufjs.js': 'export default globalThis.protobuf;',
  'jpeg-js.js': "export default { decode() { throw new Error('jpeg-js is not loaded in this page'); } };",
};
const BUNDLE_PAGE = `<!doctype html><title>atrous</title>
<script src="/node_modules/protobufjs/dist/protobuf.min.js"></script>
<script type="importmap">${JSON.stringify(IMPORT_MAP)}</script>`;
const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.wgsl': 'text/plain',
  '.html': 'text/html',
  '.map': 'application/json',
};

export interface RepoServer {
  /** e.g. http://127.0.0.1:40123; `/` is a page that can `import('/dist/index.js')`. */
  origin: string;
  close(): void;
}

export interface ServeOptions {
  /** Extra headers on every response (e.g. COOP/COEP for cross-origin isolation). */
  headers?: () => Record<string, string>;
  /** HTML appended to the page at `/` (after the import map), e.g. a module script. */
  pageBody?: string;
  /** Bytes served from memory at `/__case/<name>` (the bench's generated cases). */
  memory?: ReadonlyMap<string, Uint8Array>;
}

/**
 * Serves the repository read-only on 127.0.0.1 (dist/, build/, kernels/, test/fixtures/,
 * node_modules/), with `/` an empty page carrying the bundle's import map.
 */
export async function serveRepo(options: ServeOptions = {}): Promise<RepoServer> {
  const { headers = () => ({}), pageBody = '', memory } = options;
  const { createServer } = await import('node:http');
  const { readFileSync, statSync } = await import('node:fs');
  const { extname, join, normalize, resolve } = await import('node:path');
  const root = resolve('.');
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const path = normalize(join(root, decodeURIComponent(pathname)));
    const shim = pathname.startsWith('/__shim/') ? SHIMS[pathname.slice(8)] : undefined;
    const mem = pathname.startsWith('/__case/') ? memory?.get(pathname.slice(8)) : undefined;
    const extra = headers();
    if (pathname === '/') {
      res.writeHead(200, { ...extra, 'content-type': 'text/html' }).end(BUNDLE_PAGE + pageBody);
    } else if (mem) {
      res.writeHead(200, { ...extra, 'content-type': 'application/octet-stream' }).end(mem);
    } else if (shim !== undefined) {
      res.writeHead(200, { ...extra, 'content-type': 'text/javascript' }).end(shim);
    } else if (path.startsWith(`${root}/`) && statSync(path, { throwIfNoEntry: false })?.isFile()) {
      const type = TYPES[extname(path)] ?? 'application/octet-stream';
      res.writeHead(200, { ...extra, 'content-type': type }).end(readFileSync(path));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { origin: `http://127.0.0.1:${port}`, close: () => server.close() };
}

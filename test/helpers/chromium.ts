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

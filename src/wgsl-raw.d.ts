/** kernels/*.wgsl imported as text (`?raw`): Vite does it natively, tsup through scripts/esbuild-wgsl.ts. */
declare module '*.wgsl?raw' {
  const text: string;
  export default text;
}

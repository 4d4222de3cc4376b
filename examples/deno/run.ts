/**
 * atrous on Deno's built-in WebGPU (navigator.gpu, wgpu). Build the package first (`npm run build`).
 *
 *   deno run -A examples/deno/run.ts                      # a tiny built-in model on seeded input
 *   deno run -A examples/deno/run.ts model.onnx x.npy [y.npy]
 *
 * Without a GPU, Deno runs on Mesa lavapipe (`apt-get install mesa-vulkan-drivers libvulkan1`);
 * set XDG_RUNTIME_DIR (e.g. /tmp) when the environment has none.
 */
import { encodeNpy, exportOnnx, GraphBuilder, parseNpy, Rng, Session, Tensor } from '../../dist/index.js';

declare const Deno: {
  args: string[];
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
};

/** x (1, 3, 16, 16) → dilated 3×3 conv + ReLU → 1×1 conv → y (1, 2, 16, 16), seeded weights. */
function tinyModel(): Uint8Array {
  const b = new GraphBuilder('deno-tiny', { seed: 7 });
  const x = b.input('x', [1, 3, 16, 16]);
  const h = b.op('Conv', [x, b.param('w1', [8, 3, 3, 3]), b.param('b1', [8])], {
    pads: [2, 2, 2, 2],
    dilations: [2, 2],
  });
  const r = b.op('Relu', [h]);
  b.output(b.op('Conv', [r, b.param('w2', [2, 8, 1, 1])], {}, { outputs: ['y'] }));
  return exportOnnx(b.build());
}

const [modelPath, inputPath, outputPath] = Deno.args;
const model = modelPath ? await Deno.readFile(modelPath) : tinyModel();
const session = await Session.create(model, { backend: 'webgpu' });
try {
  const info = session.inputs[0];
  if (!info || session.inputs.length !== 1)
    throw new Error('this example feeds models with exactly one input');
  const input = inputPath
    ? parseNpy(await Deno.readFile(inputPath))
    : new Tensor('float32', info.shape as number[], new Rng(1).floats(16 * 16 * 3, -1, 1));
  const outputs = await session.run({ [info.name]: input });
  for (const [name, t] of Object.entries(outputs)) {
    let sum = 0;
    for (let i = 0; i < t.data.length; i++) sum += Number(t.data[i]);
    console.log(`${name}: ${t.dtype} [${t.dims.join(', ')}] mean ${(sum / t.data.length).toPrecision(6)}`);
  }
  const first = Object.values(outputs)[0];
  if (outputPath && first) await Deno.writeFile(outputPath, encodeNpy(first));
  console.log(`ran on webgpu (deno)`);
} finally {
  session.release();
}

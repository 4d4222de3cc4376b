import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Session } from '../../src/engine/session.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { AtrousError } from '../../src/errors.js';
import { type TensorProtoMsg, TensorProtoType } from '../../src/graph/import/onnx-schema.js';
import { tensorFromProto } from '../../src/graph/import/onnx-tensor.js';
import { expectClose } from '../helpers/compare.js';

/**
 * The ONNX project's own node conformance cases (Debian's libonnx-testdata, installed by .ci/run):
 * every case whose model atrous accepts runs on the ref backend and must reproduce the expected
 * outputs. A case atrous refuses (op, opset, dtype or attribute value it does not implement) is
 * skipped with the typed error's message as the reason.
 */
const ROOT = '/usr/share/libonnx-testdata/data/node';
const TOL = { atol: 1e-4, rtol: 1e-3 };

/** Cases where ONNX 1.12's expected output disagrees with onnxruntime; atrous follows onnxruntime. */
const FOLLOWS_ONNXRUNTIME: Record<string, string> = {
  test_resize_downsample_scales_linear_align_corners:
    'ONNX 1.12 computes align_corners with the unfloored length in*scale (2.4); onnxruntime and PyTorch use the output size (2)',
};

function readTensor(path: string): { name: string; tensor: Tensor } {
  const msg = TensorProtoType.decode(readFileSync(path)) as unknown as TensorProtoMsg & { name?: string };
  return { name: msg.name ?? '', tensor: tensorFromProto(msg, path) };
}

interface Case {
  name: string;
  session?: Session;
  skip?: string;
  sets: string[];
}

async function loadCase(name: string): Promise<Case> {
  const dir = join(ROOT, name);
  const sets = readdirSync(dir)
    .filter((f) => f.startsWith('test_data_set_'))
    .map((f) => join(dir, f));
  try {
    const session = await Session.create(readFileSync(join(dir, 'model.onnx')), { backend: 'ref' });
    return { name, session, sets };
  } catch (e) {
    if (e instanceof AtrousError) return { name, skip: `${e.name}: ${e.message}`.slice(0, 300), sets };
    throw e;
  }
}

const available = existsSync(ROOT);
const cases: Case[] = available
  ? await Promise.all(
      readdirSync(ROOT)
        .filter((d) => d.startsWith('test_'))
        .sort()
        .map(loadCase),
    )
  : [];

describe.skipIf(!available)(`ONNX node conformance (${ROOT}; install Debian's libonnx-testdata)`, () => {
  it('runs a substantial share of the suite', () => {
    const ran = cases.filter((c) => c.session).length;
    expect(ran).toBeGreaterThan(150);
  });

  for (const c of cases) {
    const divergence = FOLLOWS_ONNXRUNTIME[c.name];
    if (!c.session || divergence) {
      it.skip(`${c.name} — ${c.skip ?? divergence}`, () => {});
      continue;
    }
    const session = c.session;
    it(c.name, async (ctx) => {
      // A typed refusal at run time (e.g. Dropout fed training_mode = true, test data in a dtype
      // atrous does not read) is a skip with its reason; anything else is a failure.
      const refused = (e: unknown) => {
        if (e instanceof AtrousError && /UNSUPPORTED|MODEL_FORMAT/.test(e.code))
          ctx.skip(`${e.name}: ${e.message}`);
        throw e;
      };
      for (const set of c.sets) {
        const files = readdirSync(set).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
        let inputs: ReturnType<typeof readTensor>[] = [];
        let outputs: ReturnType<typeof readTensor>[] = [];
        try {
          inputs = files.filter((f) => f.startsWith('input_')).map((f) => readTensor(join(set, f)));
          outputs = files.filter((f) => f.startsWith('output_')).map((f) => readTensor(join(set, f)));
        } catch (e) {
          refused(e);
        }
        const feeds: Record<string, Tensor> = {};
        inputs.forEach(({ name, tensor }, i) => {
          feeds[name || (session.inputs[i]?.name as string)] = tensor;
        });
        const result = await session.run(feeds).catch(refused);
        outputs.forEach(({ name, tensor }, i) => {
          const key = name || (session.outputs[i]?.name as string);
          const actual = result[key];
          expect(actual, `output ${key}`).toBeDefined();
          expectClose(actual as Tensor, tensor, TOL, `${c.name} ${key}`);
        });
      }
    });
  }
});

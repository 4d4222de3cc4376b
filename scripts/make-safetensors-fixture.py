#!/usr/bin/env python3
"""Writes test/fixtures/safetensors/small.safetensors by hand (struct + json, no `safetensors`
package) with F32, F16, BF16, I64 and U8 tensors, plus small.expected.json with the values a
reader must produce (F16/BF16 widened to float32). Deterministic: run it again, get the same bytes.

The layout is what safetensors.torch.save_file writes: u64 little-endian header length, the JSON
header {name: {dtype, shape, data_offsets}, __metadata__}, then the data. The U8 tensor comes first
with an odd length so the F32 data is NOT 4-byte aligned: readers must not assume alignment.
"""
import json
import os
import random
import struct

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'safetensors')
rng = random.Random(7)


def prod(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def f32(v):
    return struct.unpack('<f', struct.pack('<f', v))[0]


def tensor_f32(shape):
    vals = [f32(rng.uniform(-2, 2)) for _ in range(prod(shape))]
    return struct.pack(f'<{len(vals)}f', *vals), vals


def tensor_f16(shape):
    # Two random values, the largest half, a subnormal half and a negative zero.
    vals = [rng.uniform(-100, 100) for _ in range(prod(shape) - 3)] + [65504.0, -6.0e-8, -0.0]
    raw = struct.pack(f'<{len(vals)}e', *vals)
    return raw, list(struct.unpack(f'<{len(vals)}e', raw))


def tensor_bf16(shape):
    raw = b''
    vals = []
    for _ in range(prod(shape)):
        bits = struct.unpack('<I', struct.pack('<f', rng.uniform(-1e3, 1e3)))[0] >> 16
        raw += struct.pack('<H', bits)
        vals.append(struct.unpack('<f', struct.pack('<I', bits << 16))[0])
    return raw, vals


def tensor_i64(shape, vals):
    return struct.pack(f'<{len(vals)}q', *vals), vals


def tensor_u8(shape):
    vals = [rng.randrange(256) for _ in range(prod(shape))]
    return bytes(vals), vals


tensors = [
    ('mask', 'U8', [3], *tensor_u8([3])),
    ('conv.weight', 'F32', [2, 3, 1, 1], *tensor_f32([2, 3, 1, 1])),
    ('bn.running_var', 'F16', [5], *tensor_f16([5])),
    ('bn.num_batches_tracked', 'I64', [], *tensor_i64([], [12345678901])),
    ('fc.bias', 'BF16', [2, 2], *tensor_bf16([2, 2])),
    ('index', 'I64', [4], *tensor_i64([4], [-3, 0, 7, 2**40])),
]

header = {'__metadata__': {'format': 'pt', 'writer': 'make-safetensors-fixture.py'}}
data = b''
expected = {}
for name, dtype, shape, raw, vals in tensors:
    header[name] = {'dtype': dtype, 'shape': shape, 'data_offsets': [len(data), len(data) + len(raw)]}
    data += raw
    expected[name] = {'dtype': dtype, 'shape': shape, 'values': vals}

text = json.dumps(header).encode('utf-8')
text += b' ' * (-len(text) % 8)  # The reference writer pads the header to 8 bytes.
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, 'small.safetensors'), 'wb') as f:
    f.write(struct.pack('<Q', len(text)) + text + data)
with open(os.path.join(OUT, 'small.expected.json'), 'w') as f:
    json.dump({'metadata': header['__metadata__'], 'tensors': expected}, f, indent=1)
    f.write('\n')
print('wrote', OUT)

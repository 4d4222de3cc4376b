#!/usr/bin/env python3
"""Fixtures for atrous's torchvision-compatible zoo models (src/zoo/torchvision).

Usage (Debian's python3-torch 1.13 / python3-torchvision 0.14):

    OMP_NUM_THREADS=2 /usr/bin/python3 scripts/make-zoo-fixtures.py            # all six models
    OMP_NUM_THREADS=2 /usr/bin/python3 scripts/make-zoo-fixtures.py --models fcn_resnet50 --out DIR
    OMP_NUM_THREADS=2 /usr/bin/python3 scripts/make-zoo-fixtures.py --keys-only  # just the committed file

Writes
    test/fixtures/zoo/torchvision-keys.json (committed, small): for every model, the state_dict keys
        and shapes at 21 classes with aux_loss=True (LR-ASPP has no aux head), and sum(p.numel()
        for p in parameters()) with and without aux.
    <out>/ (default test/fixtures/generated/zoo, gitignored: the weights are up to 240 MB):
        <name>.safetensors   the state_dict (F32, or F16 with --f16: 414 MB instead of 828 MB for all six;
                             num_batches_tracked dropped), random weights
        <name>.input.npy     float32 input [1, 3, H, W]
        <name>.out.npy       PyTorch's output['out'];  <name>.aux.npy  output['aux'] (aux models)
        manifest.json        per model: input size, classes, aux, files, |out|_inf, float32-vs-float64 error

Models are built with aux_loss=True where they have an aux head (so both heads are checked), seeded
(torch.manual_seed per model), with random BatchNorm affine parameters and running statistics, in
eval() mode. Inputs are small (INPUT_SIZE) so the reference backend runs each model in seconds.
The safetensors files are written by hand (8-byte little-endian header length, JSON header, data).
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import torch
from torchvision.models import segmentation

ROOT = Path(__file__).resolve().parent.parent
KEYS_FILE = ROOT / "test" / "fixtures" / "zoo" / "torchvision-keys.json"
DEFAULT_OUT = ROOT / "test" / "fixtures" / "generated" / "zoo"

MODELS = [
    "lraspp_mobilenet_v3_large",
    "deeplabv3_mobilenet_v3_large",
    "fcn_resnet50",
    "fcn_resnet101",
    "deeplabv3_resnet50",
    "deeplabv3_resnet101",
]
HAS_AUX = {name: not name.startswith("lraspp") for name in MODELS}
# Small enough for the reference backend (a few GFLOPs each), large enough that the dilated 3x3s of
# layer3/layer4 (dilation 2/4 at output stride 8: 5x6 and 4x5 maps) reach real pixels.
INPUT_SIZE = {
    "lraspp_mobilenet_v3_large": (64, 80),
    "deeplabv3_mobilenet_v3_large": (64, 80),
    "fcn_resnet50": (40, 48),
    "fcn_resnet101": (32, 40),
    "deeplabv3_resnet50": (40, 48),
    "deeplabv3_resnet101": (32, 40),
}
CLASSES = 21


def make(name: str, aux: bool, classes: int = CLASSES) -> torch.nn.Module:
    ctor = getattr(segmentation, name)
    kwargs = {"weights": None, "weights_backbone": None, "num_classes": classes}
    if HAS_AUX[name]:
        kwargs["aux_loss"] = aux
    return ctor(**kwargs)


def randomize(model: torch.nn.Module, gen: torch.Generator) -> None:
    """Random BatchNorm affine parameters and running statistics, near identity so 100 layers stay finite."""

    def u(t: torch.Tensor, lo: float, hi: float) -> torch.Tensor:
        return torch.rand(t.shape, generator=gen) * (hi - lo) + lo

    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.copy_(u(m.weight, 0.6, 1.2))
                m.bias.copy_(u(m.bias, -0.2, 0.2))
                m.running_mean.copy_(u(m.running_mean, -0.2, 0.2))
                m.running_var.copy_(u(m.running_var, 0.6, 1.6))
            elif isinstance(m, torch.nn.Conv2d) and m.bias is not None:
                m.bias.copy_(u(m.bias, -0.1, 0.1))


def write_safetensors(path: Path, tensors: dict[str, np.ndarray], f16: bool = False) -> None:
    np_dtype, st_dtype = ("<f2", "F16") if f16 else ("<f4", "F32")
    tensors = {k: np.ascontiguousarray(v, dtype=np_dtype) for k, v in tensors.items()}
    header: dict[str, object] = {}
    offset = 0
    for key, arr in tensors.items():
        n = arr.nbytes
        header[key] = {"dtype": st_dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + n]}
        offset += n
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # pad so the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for arr in tensors.values():
            f.write(arr.tobytes())


def write_keys() -> None:
    entries = {}
    for name in MODELS:
        full = make(name, True)
        plain = make(name, False)
        entries[name] = {
            "aux": HAS_AUX[name],
            "params": sum(p.numel() for p in plain.parameters()),
            "paramsAux": sum(p.numel() for p in full.parameters()),
            "keys": {k: list(v.shape) for k, v in full.state_dict().items() if not k.endswith("num_batches_tracked")},
        }
    KEYS_FILE.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "torchvision": __import__("torchvision").__version__,
        "classes": CLASSES,
        "models": entries,
    }
    KEYS_FILE.write_text(json.dumps(body, separators=(",", ":")) + "\n")
    print(f"wrote {KEYS_FILE.relative_to(ROOT)} ({KEYS_FILE.stat().st_size} bytes)")


def write_model(name: str, out: Path, f16: bool) -> dict[str, object]:
    torch.manual_seed(zlib.crc32(name.encode()))
    gen = torch.Generator().manual_seed(zlib.crc32(name.encode()) + 1)
    model = make(name, True).eval()
    randomize(model, gen)
    if f16:  # PyTorch computes with exactly the weights the file holds
        with torch.no_grad():
            for t in model.state_dict().values():
                if t.is_floating_point():
                    t.copy_(t.half().float())
    h, w = INPUT_SIZE[name]
    x = torch.rand((1, 3, h, w), generator=gen) * 2 - 1
    with torch.no_grad():
        y = model(x)
        y64 = model.double()(x.double())
    state = {k: v.float().numpy() for k, v in model.float().state_dict().items() if not k.endswith("num_batches_tracked")}
    write_safetensors(out / f"{name}.safetensors", state, f16)
    np.save(out / f"{name}.input.npy", x.numpy().astype(np.float32))
    heads = ["out", "aux"] if HAS_AUX[name] else ["out"]
    info: dict[str, object] = {"name": name, "inputSize": [h, w], "classes": CLASSES, "aux": HAS_AUX[name]}
    for head in heads:
        arr = y[head].numpy().astype(np.float32)
        np.save(out / f"{name}.{head}.npy", arr)
        ref = y64[head].numpy()
        err = float(np.abs(arr - ref).max() / max(np.abs(ref).max(), 1e-12))
        info[head] = {"file": f"{name}.{head}.npy", "shape": list(arr.shape), "maxAbs": float(np.abs(arr).max()), "f32RelError": err}
        print(f"  {name}.{head}: shape {list(arr.shape)}, max |y| {np.abs(arr).max():.3g}, float32 vs float64 rel error {err:.2e}")
    info["weights"] = f"{name}.safetensors"
    info["weightsDtype"] = "F16" if f16 else "F32"
    info["input"] = f"{name}.input.npy"
    return info


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory for the generated (big) files")
    ap.add_argument("--models", nargs="*", default=MODELS, choices=MODELS)
    ap.add_argument("--f16", action="store_true", help="store the weights as F16 (half the disk; PyTorch uses the rounded weights)")
    ap.add_argument("--keys-only", action="store_true", help="only write the committed keys file")
    args = ap.parse_args()
    torch.set_num_threads(2)
    write_keys()
    if args.keys_only:
        return 0
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"models": {}}
    for name in args.models:
        print(f"{name} ...", flush=True)
        manifest["models"][name] = write_model(name, out, args.f16)
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

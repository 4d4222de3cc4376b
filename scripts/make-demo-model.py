#!/usr/bin/env python3
"""Train and export assets/demo-model.onnx, the bundled default model of `atrous segment`.

What it is: a small DeepLab-style network (MobileNet-like depthwise-separable stem, dilated 3x3
convolutions, a mini ASPP with rates 1/2/4 plus image pooling, a DeepLab v3+ style low-level skip,
bilinear upsampling; about 90k parameters) that maps a 1x3x256x256 image, normalized with the
ImageNet mean/std, to 1xKx256x256 logits over K colour regions ('region0' .. 'region{K-1}').

How it is trained: there are no labelled images here, so the targets are pseudo-labels computed
by this script: k-means (K clusters, k-means++ seeded) on the pixels of the three bundled photos
(astronaut, chelsea, coffee) in CIE Lab colour space, clusters sorted by lightness (region0 is the
darkest), each photo's label map smoothed by a 7x7 majority vote. The network learns to reproduce
those maps from random crops (scale, aspect, horizontal flips) for a fixed number of steps on the
CPU (a minute or two). Everything is seeded; the same machine and thread count give the same file.

What it is not: it knows nothing about objects or classes (no person, cat or cup); it segments an
image into regions of similar colour, with some spatial smoothing, so the mask it writes visibly
follows the photo. It stands in until real weights (MediaPipe's selfie segmenter) arrive.

Usage: OMP_NUM_THREADS=2 /usr/bin/python3 scripts/make-demo-model.py [--steps N] [--preview DIR] [--out F]
Needs python3-torch, python3-onnx, python3-scipy, python3-pil, numpy.
"""

from __future__ import annotations

import argparse
import io
import shutil
import time
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from scipy import ndimage

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
DATA = Path("/work/shared/data")
PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png"]
OUT = ASSETS / "demo-model.onnx"

K = 5
SIZE = 256  # exported input/output resolution
TRAIN_SIZE = 128  # training crops (the network is fully convolutional)
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
SEED = 0


# ------------------------------------------------------------------------------------------------
# Pseudo-labels: k-means in Lab colour space + majority smoothing
# ------------------------------------------------------------------------------------------------


def load_photo(name: str) -> np.ndarray:
    """RGB float32 in [0, 1], HxWx3. Copies the photo into assets/ when it is not there yet."""
    dst = ASSETS / name
    if not dst.exists():
        shutil.copyfile(DATA / name, dst)
    return np.asarray(Image.open(dst).convert("RGB"), dtype=np.float32) / 255.0


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (D65) -> CIE L*a*b*, ...x3 arrays."""
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def kmeans(x: np.ndarray, k: int, rng: np.random.Generator, iters: int = 50) -> np.ndarray:
    """Lloyd's k-means with k-means++ seeding; returns centres sorted by lightness (column 0)."""
    centres = [x[rng.integers(len(x))]]
    for _ in range(1, k):
        d = np.min(((x[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        centres.append(x[rng.choice(len(x), p=d / d.sum())])
    c = np.array(centres)
    for _ in range(iters):
        assign = np.argmin(((x[:, None, :] - c[None]) ** 2).sum(-1), axis=1)
        c = np.array([x[assign == j].mean(0) if np.any(assign == j) else c[j] for j in range(k)])
    return c[np.argsort(c[:, 0])]


def pseudo_labels(photo: np.ndarray, centres: np.ndarray) -> np.ndarray:
    lab = rgb_to_lab(photo)
    d = ((lab[:, :, None, :] - centres[None, None]) ** 2).sum(-1)
    onehot = np.eye(len(centres), dtype=np.float32)[np.argmin(d, axis=-1)]
    votes = ndimage.uniform_filter(onehot, size=(7, 7, 1), mode="nearest")  # 7x7 majority vote
    return np.argmax(votes, axis=-1).astype(np.int64)


# ------------------------------------------------------------------------------------------------
# Network
# ------------------------------------------------------------------------------------------------


def cbr(cin: int, cout: int, k: int = 1, stride: int = 1, dilation: int = 1, groups: int = 1) -> nn.Sequential:
    pad = dilation * (k // 2)
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride, pad, dilation, groups, bias=False), nn.BatchNorm2d(cout), nn.ReLU6()
    )


def separable(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(cbr(cin, cin, 3, stride, dilation, groups=cin), cbr(cin, cout))


class DemoNet(nn.Module):
    def __init__(self, classes: int = K) -> None:
        super().__init__()
        self.stem = nn.Sequential(cbr(3, 16, 3, stride=2), separable(16, 24))  # stride 2
        self.low = separable(24, 32, stride=2)  # stride 4, feeds the decoder
        self.mid = separable(32, 48, stride=2)  # stride 8
        self.dil2 = separable(48, 64, dilation=2)
        self.dil4 = separable(64, 64, dilation=4)
        self.aspp = nn.ModuleList([cbr(64, 32, 3, dilation=r) for r in (1, 2, 4)])
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(64, 32, 1, bias=False), nn.ReLU())
        self.project = cbr(4 * 32, 32)
        self.skip = cbr(32, 16)
        self.fuse = cbr(32 + 16, 32, 3)
        self.classify = nn.Conv2d(32, classes, 1)

    def forward(self, x):
        h, w = int(x.shape[2]), int(x.shape[3])  # static sizes in the exported graph
        low = self.low(self.stem(x))
        f = self.mid(low)
        f = self.dil2(f)
        f = f + self.dil4(f)  # residual dilated block
        size8 = (int(f.shape[2]), int(f.shape[3]))
        pooled = F.interpolate(self.pool(f), size=size8, mode="bilinear", align_corners=False)
        y = self.project(torch.cat([b(f) for b in self.aspp] + [pooled], dim=1))
        size4 = (int(low.shape[2]), int(low.shape[3]))
        y = F.interpolate(y, size=size4, mode="bilinear", align_corners=False)
        y = self.classify(self.fuse(torch.cat([y, self.skip(low)], dim=1)))
        return F.interpolate(y, size=(h, w), mode="bilinear", align_corners=False)


# ------------------------------------------------------------------------------------------------
# Training
# ------------------------------------------------------------------------------------------------


def normalize(rgb: torch.Tensor) -> torch.Tensor:
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (rgb - mean) / std


def sample_batch(photos, labels, n: int, rng: np.random.Generator):
    """Random crops (12%-100% of the area, aspect 3:4..4:3, or the whole photo), resized, flipped."""
    xs, ys = [], []
    for _ in range(n):
        i = rng.integers(len(photos))
        img, lab = photos[i], labels[i]
        hh, ww = img.shape[1:]
        if rng.random() < 0.2:
            top, left, ch, cw = 0, 0, hh, ww  # the whole photo, squashed as the CLI does
        else:
            area = rng.uniform(0.12, 1.0) * hh * ww
            aspect = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
            ch = int(min(hh, round(np.sqrt(area / aspect))))
            cw = int(min(ww, round(np.sqrt(area * aspect))))
            top, left = rng.integers(hh - ch + 1), rng.integers(ww - cw + 1)
        crop = img[None, :, top : top + ch, left : left + cw]
        lcrop = lab[None, None, top : top + ch, left : left + cw].float()
        x = F.interpolate(crop, size=(TRAIN_SIZE, TRAIN_SIZE), mode="bilinear", align_corners=False)
        y = F.interpolate(lcrop, size=(TRAIN_SIZE, TRAIN_SIZE), mode="nearest")
        if rng.random() < 0.5:
            x, y = x.flip(3), y.flip(3)
        xs.append(x)
        ys.append(y)
    return normalize(torch.cat(xs)), torch.cat(ys)[:, 0].long()


def evaluate(model: nn.Module, photos, labels) -> tuple[float, float]:
    """Pixel agreement and mean IoU with the pseudo-labels, photos squashed to SIZE x SIZE."""
    hits = total = 0
    inter = np.zeros(K)
    union = np.zeros(K)
    model.eval()
    with torch.no_grad():
        for img, lab in zip(photos, labels):
            x = F.interpolate(img[None], size=(SIZE, SIZE), mode="bilinear", align_corners=False)
            y = F.interpolate(lab[None, None].float(), size=(SIZE, SIZE), mode="nearest")[0, 0].long()
            p = model(normalize(x)).argmax(1)[0]
            hits += int((p == y).sum())
            total += y.numel()
            for c in range(K):
                inter[c] += int(((p == c) & (y == c)).sum())
                union[c] += int(((p == c) | (y == c)).sum())
    return hits / total, float(np.mean(inter[union > 0] / union[union > 0]))


PALETTE = np.array([[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0], [0, 0, 128], [128, 0, 128]], np.uint8)


def save_preview(model: nn.Module, photos, labels, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    model.eval()
    with torch.no_grad():
        for name, img, lab in zip(PHOTOS, photos, labels):
            x = F.interpolate(img[None], size=(SIZE, SIZE), mode="bilinear", align_corners=False)
            p = model(normalize(x)).argmax(1)[0].numpy()
            stem = name.removesuffix(".png")
            Image.fromarray(PALETTE[lab.numpy()]).save(out_dir / f"{stem}-pseudo.png")
            Image.fromarray(PALETTE[p]).save(out_dir / f"{stem}-model.png")


def export(model: nn.Module, acc: float, miou: float, steps: int) -> bytes:
    model.eval()
    buf = io.BytesIO()
    torch.onnx.export(
        model,
        torch.zeros(1, 3, SIZE, SIZE),
        buf,
        opset_version=13,
        input_names=["image"],
        output_names=["logits"],
        do_constant_folding=True,  # default EVAL mode also folds BatchNorm into the convolutions
    )
    proto = onnx.load_from_string(buf.getvalue())
    meta = {
        "mean": ",".join(str(v) for v in MEAN),
        "std": ",".join(str(v) for v in STD),
        "class_names": ",".join(f"region{k}" for k in range(K)),
        "input": f"RGB in [0, 1], (x - mean) / std, NCHW 1x3x{SIZE}x{SIZE}",
        "output": f"logits 1x{K}x{SIZE}x{SIZE}; argmax over axis 1 gives the region",
        "description": (
            "atrous demo model: colour-region segmentation, NOT a semantic (object/class) model. "
            f"Trained to reproduce k-means (K={K}, CIE Lab) colour clusters of three sample photos, "
            "smoothed by a 7x7 majority vote; region0 is the darkest cluster. "
            f"Agreement with its pseudo-labels: {100 * acc:.1f}% of pixels, mean IoU {miou:.3f}."
        ),
        "training": f"scripts/make-demo-model.py, seed {SEED}, {steps} steps, crops {TRAIN_SIZE}x{TRAIN_SIZE}",
        "license": "MIT (weights trained by this script on public-domain / CC0 photos)",
    }
    for key, value in meta.items():
        proto.metadata_props.add(key=key, value=value)
    proto.doc_string = meta["description"]
    onnx.checker.check_model(proto)
    return proto.SerializeToString()


def main() -> None:
    parser = argparse.ArgumentParser(description="train and export assets/demo-model.onnx")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch", type=int, default=12)
    parser.add_argument("--preview", type=Path, help="write pseudo-label and prediction PNGs here")
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the model")
    args = parser.parse_args()

    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    rng = np.random.default_rng(SEED)

    raw = [load_photo(name) for name in PHOTOS]
    # Equal numbers of pixels from every photo, so the large one does not own the clusters.
    sample = np.concatenate([rgb_to_lab(p).reshape(-1, 3)[rng.choice(p.shape[0] * p.shape[1], 6000)] for p in raw])
    centres = kmeans(sample, K, rng)
    print("Lab centres (L, a, b):", np.round(centres, 1).tolist())
    labels_np = [pseudo_labels(p, centres) for p in raw]
    photos = [torch.from_numpy(p).permute(2, 0, 1).contiguous() for p in raw]
    labels = [torch.from_numpy(lab) for lab in labels_np]
    shares = np.bincount(np.concatenate([lab.ravel() for lab in labels_np]), minlength=K)
    print("pseudo-label shares:", np.round(shares / shares.sum(), 3).tolist())

    model = DemoNet()
    print("parameters:", sum(p.numel() for p in model.parameters()))
    opt = torch.optim.AdamW(model.parameters(), lr=4e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=4e-3, total_steps=args.steps, pct_start=0.1)
    start = time.time()
    for step in range(args.steps):
        model.train()
        x, y = sample_batch(photos, labels, args.batch, rng)
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 100 == 0 or step == args.steps - 1:
            print(f"step {step:4d}  loss {loss.item():.4f}  {time.time() - start:.0f}s")

    acc, miou = evaluate(model, photos, labels)
    print(f"agreement with pseudo-labels at {SIZE}x{SIZE}: {100 * acc:.1f}% of pixels, mean IoU {miou:.3f}")
    if args.preview:
        save_preview(model, photos, labels, args.preview)
    data = export(model, acc, miou, args.steps)
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Oracle values for src/post/losses: writes test/fixtures/losses/losses.json.

Cross-entropy is torch.nn.functional.cross_entropy; focal, soft Dice and Tversky are the formulas
written out in PyTorch (no library ships multi-class versions); the Hausdorff-DT loss is a numpy
implementation on scipy.ndimage.distance_transform_edt (the SegLoss/Karimi formulation).
Debian python3-torch and python3-scipy; the output is committed.

    OMP_NUM_THREADS=2 /usr/bin/python3 scripts/make-loss-fixtures.py
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from scipy.ndimage import distance_transform_edt

torch.manual_seed(0)
rng = np.random.default_rng(7)
IGNORE = 255
N, C, H, W = 2, 4, 9, 11

logits = torch.tensor(rng.normal(0, 2, (N, C, H, W)), dtype=torch.float32)
# Blobby labels so the distance maps are not trivial, with ~8% ignored pixels.
yy, xx = np.mgrid[0:H, 0:W]
labels = np.zeros((N, H, W), np.int64)
for b in range(N):
    for _ in range(4):
        cy, cx, r = rng.integers(0, H), rng.integers(0, W), rng.integers(2, 5)
        labels[b][(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = rng.integers(1, C)
labels[rng.random((N, H, W)) < 0.08] = IGNORE
target = torch.tensor(labels)
valid = target != IGNORE
weight = [0.5, 1.0, 2.0, 1.5]

x = logits.double()
logp = F.log_softmax(x, 1)
prob = logp.exp()
safe = torch.where(valid, target, torch.zeros_like(target))
onehot = F.one_hot(safe, C).permute(0, 3, 1, 2).double() * valid[:, None].double()
logp_t = logp.gather(1, safe[:, None])[:, 0]


def focal(gamma, alpha):
    a = torch.tensor(alpha, dtype=torch.float64)[safe] if isinstance(alpha, list) else alpha
    loss = -a * (1 - logp_t.exp()) ** gamma * logp_t
    return float(loss[valid].mean())


def tversky(alpha, beta, smooth=1e-5):
    p = prob * valid[:, None].double()
    tp = (p * onehot).sum((0, 2, 3))
    fp = (p * (1 - onehot)).sum((0, 2, 3))
    fn = ((1 - p) * onehot).sum((0, 2, 3))
    return float(1 - ((tp + smooth) / (tp + alpha * fp + beta * fn + smooth)).mean())


def dice(smooth=1e-5):
    p = prob * valid[:, None].double()
    inter = (p * onehot).sum((0, 2, 3))
    return float(1 - ((2 * inter + smooth) / (p.sum((0, 2, 3)) + onehot.sum((0, 2, 3)) + smooth)).mean())


def field(mask):
    if not mask.any() or mask.all():
        return np.zeros(mask.shape)
    return distance_transform_edt(mask) + distance_transform_edt(~mask)


def hd_loss(alpha=2.0):
    p = prob.numpy()
    total, count = 0.0, 0
    v = valid.numpy()
    for b in range(N):
        for c in range(C):
            q = (labels[b] == c).astype(float)
            dp, dq = field(p[b, c] > 0.5), field(q > 0.5)
            e = (p[b, c] - q) ** 2 * (dp**alpha + dq**alpha)
            total += e[v[b]].sum()
            count += v[b].sum()
    return total / count


out = {
    "dims": [N, C, H, W],
    "ignore": IGNORE,
    "logits": logits.flatten().tolist(),
    "labels": labels.flatten().tolist(),
    "weight": weight,
    "ce": float(F.cross_entropy(logits, target, ignore_index=IGNORE)),
    "ceWeighted": float(F.cross_entropy(logits, target, weight=torch.tensor(weight), ignore_index=IGNORE)),
    "focal": focal(2.0, 1.0),
    "focalAlpha": focal(1.5, [0.25, 0.75, 0.5, 1.0]),
    "focalGamma0": focal(0.0, 1.0),
    "dice": dice(),
    "tversky": tversky(0.3, 0.7),
    "tverskyHalf": tversky(0.5, 0.5),
    "hd": hd_loss(2.0),
    "hdAlpha1": hd_loss(1.0),
}
path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "losses", "losses.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
print({k: v for k, v in out.items() if isinstance(v, float)})

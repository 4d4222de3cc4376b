#!/usr/bin/env python3
"""Independent numpy oracle for atrous's exact dense CRF (src/post/crf/exact.ts).

Writes tiny inputs and the exact mean-field Q to test/fixtures/crf/ as .npy:
  image.npy (H, W, 3) uint8, probs.npy (1, C, H, W) float32, logits.npy (1, C, H, W) float32,
  q-<preset>.npy (1, C, H, W) float64 from probs, q-logits-deeplab-v2.npy from logits.
Model (Kraehenbuehl & Koltun 2011 / densecrf v2): unary -log(clip(p, 1e-5, 1)) (or -log softmax(logits)),
Gaussian kernels exp(-|f_i - f_j|^2 / 2) on (x, y)/s_pos and (x, y)/s_xy, (r, g, b)/s_rgb,
symmetric normalization 1/sqrt(K 1) (self term included), Potts, parallel updates.
Run: OMP_NUM_THREADS=2 /usr/bin/python3 scripts/crf-oracle.py
"""
import os

import numpy as np

PRESETS = {  # iterations, w_bi, s_xy, s_rgb, w_pos, s_pos
    "deeplab-v2": (10, 4, 67, 3, 3, 1),
    "deeplab-v1": (10, 4, 121, 5, 3, 3),
    "densecrf": (5, 10, 80, 13, 3, 3),
}
OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "crf")


def gaussian(feat):
    d2 = ((feat[:, None, :] - feat[None, :, :]) ** 2).sum(-1)
    return np.exp(-0.5 * d2)


def softmax(x):
    e = np.exp(x - x.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def crf(unary, image, preset):
    iters, w_bi, s_xy, s_rgb, w_pos, s_pos = PRESETS[preset]
    h, w, _ = image.shape
    ys, xs = np.mgrid[0:h, 0:w]
    xy = np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float64)
    rgb = image.reshape(-1, 3).astype(np.float64)
    pairwise = np.zeros((h * w, h * w))
    for weight, feat in ((w_pos, xy / s_pos), (w_bi, np.concatenate([xy / s_xy, rgb / s_rgb], 1))):
        k = gaussian(feat)
        n = 1.0 / np.sqrt(k.sum(1))
        pairwise += weight * (n[:, None] * k * n[None, :])
    q = softmax(-unary)
    for _ in range(iters):
        q = softmax(-unary + pairwise @ q)
    return q


def main():
    rng = np.random.default_rng(20240611)
    h, w, c = 6, 8, 3
    image = np.zeros((h, w, 3), np.uint8)
    image[:, :4] = (200, 40, 30)
    image[:, 4:] = (20, 60, 210)
    image[:3, 2:6] = (30, 200, 40)
    image = np.clip(image.astype(int) + rng.integers(-12, 13, image.shape), 0, 255).astype(np.uint8)
    logits = rng.normal(0, 1.5, (c, h, w)).astype(np.float32)
    probs = softmax(logits.reshape(c, -1).T.astype(np.float64)).T.reshape(c, h, w).astype(np.float32)
    probs[0, 0, 0], probs[1, 0, 0], probs[2, 0, 0] = 0.0, 1.0, 0.0  # exercises the 1e-5 clip
    os.makedirs(OUT, exist_ok=True)
    np.save(os.path.join(OUT, "image.npy"), image)
    np.save(os.path.join(OUT, "probs.npy"), probs[None])
    np.save(os.path.join(OUT, "logits.npy"), logits[None])
    p = probs.reshape(c, -1).T.astype(np.float64)
    for name in PRESETS:
        q = crf(-np.log(np.clip(p, 1e-5, 1)), image, name)
        np.save(os.path.join(OUT, f"q-{name}.npy"), q.T.reshape(1, c, h, w))
    lg = logits.reshape(c, -1).T.astype(np.float64)
    unary = -(lg - lg.max(1, keepdims=True) - np.log(np.exp(lg - lg.max(1, keepdims=True)).sum(1, keepdims=True)))
    q = crf(unary, image, "deeplab-v2")
    np.save(os.path.join(OUT, "q-logits-deeplab-v2.npy"), q.T.reshape(1, c, h, w))


if __name__ == "__main__":
    main()

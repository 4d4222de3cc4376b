#!/usr/bin/env python3
"""Independent oracle for src/post/metrics: writes test/fixtures/metrics/metrics.json.

Uses scikit-learn (confusion_matrix, average_precision_score, f1_score) and scipy.ndimage
(distance_transform_edt, binary_erosion, binary_dilation) -- Debian: python3-sklearn, python3-scipy.
The output is committed, so running the tests does not need these packages.

    OMP_NUM_THREADS=2 /usr/bin/python3 scripts/make-metrics-fixtures.py
"""
import json
import os

import numpy as np
from scipy import ndimage
from sklearn.metrics import average_precision_score, confusion_matrix, f1_score, jaccard_score

IGNORE = 255
CLASSES = 5
TOL = 2
rng = np.random.default_rng(2024)


def blobs(h, w):
    """A label map of random discs and boxes on background 0."""
    m = np.zeros((h, w), np.int64)
    yy, xx = np.mgrid[0:h, 0:w]
    for _ in range(6):
        c = rng.integers(1, CLASSES)
        if rng.random() < 0.5:
            cy, cx, r = rng.integers(0, h), rng.integers(0, w), rng.integers(2, 9)
            m[(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = c
        else:
            y0, x0 = rng.integers(0, h - 3), rng.integers(0, w - 3)
            m[y0 : y0 + rng.integers(3, 12), x0 : x0 + rng.integers(3, 12)] = c
    return m


def make_pair(h, w):
    truth = blobs(h, w)
    pred = np.roll(truth, (rng.integers(-2, 3), rng.integers(-2, 3)), axis=(0, 1))
    noise = rng.random((h, w)) < 0.05
    pred[noise] = rng.integers(0, CLASSES, noise.sum())
    # VOC-style ignore band: truth pixels next to a class change.
    edge = np.zeros((h, w), bool)
    edge[:, 1:] |= truth[:, 1:] != truth[:, :-1]
    edge[1:, :] |= truth[1:, :] != truth[:-1, :]
    truth = truth.copy()
    truth[edge & (rng.random((h, w)) < 0.5)] = IGNORE
    return pred, truth


def seg2bmap(seg):
    """DAVIS seg2bmap for same-size output (davis2017-evaluation, metrics.py)."""
    seg = seg.astype(bool)
    e = np.zeros_like(seg)
    s = np.zeros_like(seg)
    se = np.zeros_like(seg)
    e[:, :-1] = seg[:, 1:]
    s[:-1, :] = seg[1:, :]
    se[:-1, :-1] = seg[1:, 1:]
    b = seg ^ e | seg ^ s | seg ^ se
    b[-1, :] = seg[-1, :] ^ e[-1, :]
    b[:, -1] = seg[:, -1] ^ s[:, -1]
    b[-1, -1] = 0
    return b


def disk(r):
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    return xx * xx + yy * yy <= r * r


def boundary_counts(p, t):
    bp, bt = seg2bmap(p), seg2bmap(t)
    bt_dil = ndimage.binary_dilation(bt, structure=disk(TOL))
    bp_dil = ndimage.binary_dilation(bp, structure=disk(TOL))
    return [int((bp & bt_dil).sum()), int(bp.sum()), int((bt & bp_dil).sum()), int(bt.sum())]


def surface(m):
    return m & ~ndimage.binary_erosion(m, border_value=0)


def hd95(p, t):
    if not p.any() or not t.any():
        return None
    sp, st = surface(p), surface(t)
    dt_t = ndimage.distance_transform_edt(~st)
    dt_p = ndimage.distance_transform_edt(~sp)
    return float(max(np.percentile(dt_t[sp], 95), np.percentile(dt_p[st], 95)))


def bf(c):
    mp, np_, mt, nt = c
    if np_ == 0 and nt == 0:
        return None
    prec = mp / np_ if np_ else 1.0
    rec = mt / nt if nt else 1.0
    return 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0


def nan_to_none(a):
    return [None if np.isnan(v) else float(v) for v in a]


images = []
preds, truths = [], []
bcounts = np.zeros((CLASSES, 4), np.int64)
hd_sum = np.zeros(CLASSES)
hd_n = np.zeros(CLASSES)
for h, w in [(24, 32), (31, 17), (40, 40)]:
    pred, truth = make_pair(h, w)
    images.append({"width": w, "height": h, "pred": pred.ravel().tolist(), "truth": truth.ravel().tolist()})
    preds.append(pred.ravel())
    truths.append(truth.ravel())
    valid = truth != IGNORE
    for c in range(CLASSES):
        p, t = (pred == c) & valid, truth == c
        if not p.any() and not t.any():
            continue
        bcounts[c] += boundary_counts(p, t)
        d = hd95(p, t)
        if d is not None:
            hd_sum[c] += d
            hd_n[c] += 1

pred_all = np.concatenate(preds)
truth_all = np.concatenate(truths)
keep = truth_all != IGNORE
y_true, y_pred = truth_all[keep], pred_all[keep]
cm = confusion_matrix(y_true, y_pred, labels=list(range(CLASSES)))
present = [c for c in range(CLASSES) if (y_true == c).any() or (y_pred == c).any()]
absent = np.array([c not in present for c in range(CLASSES)])
iou = jaccard_score(y_true, y_pred, labels=list(range(CLASSES)), average=None, zero_division=0).astype(float)
dice = f1_score(y_true, y_pred, labels=list(range(CLASSES)), average=None, zero_division=0).astype(float)
iou[absent] = np.nan
dice[absent] = np.nan
support = cm.sum(1)
recall = np.array([cm[c, c] / support[c] if support[c] else np.nan for c in range(CLASSES)])
fw = sum(support[c] * iou[c] for c in present) / support[present].sum()

# Binary AP on per-pixel confidences with many ties (quantized) and an ignore value.
conf = np.round(rng.random(3000), 2)
target = (rng.random(3000) < conf * 0.8).astype(np.int64)
ap = average_precision_score(target, conf)
target_ign = target.copy()
target_ign[rng.random(3000) < 0.1] = IGNORE
k = target_ign != IGNORE
ap_ign = average_precision_score(target_ign[k], conf[k])

# EDT on a sparse random feature map.
feat = rng.random((23, 37)) < 0.03
edt = ndimage.distance_transform_edt(~feat)

hd = [float(hd_sum[c] / hd_n[c]) if hd_n[c] else None for c in range(CLASSES)]
bfs = [bf(bcounts[c]) for c in range(CLASSES)]
out = {
    "classes": CLASSES,
    "ignore": IGNORE,
    "tolerance": TOL,
    "images": images,
    "confusion": cm.tolist(),
    "pixelAccuracy": float(np.trace(cm) / cm.sum()),
    "classAccuracy": nan_to_none(recall),
    "meanClassAccuracy": float(np.nanmean(recall)),
    "iou": nan_to_none(iou),
    "meanIoU": float(np.nanmean(iou)),
    "frequencyWeightedIoU": float(fw),
    "dice": nan_to_none(dice),
    "boundaryCounts": bcounts.tolist(),
    "boundaryF": bfs,
    "hd95": hd,
    "hd95Images": hd_n.tolist(),
    "ap": {"scores": conf.tolist(), "targets": target.tolist(), "targetsIgnore": target_ign.tolist(), "ap": float(ap), "apIgnore": float(ap_ign)},
    "edt": {"width": 37, "height": 23, "features": feat.astype(int).ravel().tolist(), "distance": edt.ravel().tolist()},
}
path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "metrics", "metrics.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
print(f"wrote {path}: mIoU {out['meanIoU']:.4f}, AP {ap:.4f}, BF {bfs}, HD95 {hd}")

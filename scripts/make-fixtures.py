#!/usr/bin/env python3
"""Export small PyTorch models to ONNX as end-to-end fixtures for atrous.

Usage (Debian's python3-torch 1.13 / python3-torchvision 0.14 / python3-onnx):

    OMP_NUM_THREADS=2 /usr/bin/python3 scripts/make-fixtures.py          # committed fixtures
    OMP_NUM_THREADS=2 /usr/bin/python3 scripts/make-fixtures.py --full   # + full-size torchvision models
    OMP_NUM_THREADS=2 /usr/bin/python3 scripts/make-fixtures.py --full-only   # just those (CI)

Writes, for every model <name>:
    test/fixtures/pytorch/<name>.onnx          the exported model
    test/fixtures/pytorch/<name>.input.npy     float32 input (<name>.input.<k>.npy when several)
    test/fixtures/pytorch/<name>.output.npy    PyTorch's output (<name>.output.<k>.npy when several)
    test/fixtures/pytorch/manifest.json        files, input/output names and shapes, opset, op kinds
`--full` also writes the full-size torchvision segmentation models (random weights, 13 MB and 44 MB)
to test/fixtures/generated/ (gitignored) with their own manifest.json.

Everything is deterministic: torch.manual_seed per model, fixed inputs. BatchNorm layers get
realistic running statistics (a few train-mode passes over random inputs) that are then perturbed,
plus random affine parameters, so BatchNorm folding is exercised with non-trivial numbers. Most
models are exported with TrainingMode.PRESERVE on an eval() model: that keeps BatchNormalization
nodes in the file (the default EVAL mode lets the exporter fold them into Conv itself). A few are
exported the default way, and a few with do_constant_folding=False so atrous's own constant folding
sees raw shape arithmetic (Shape/Gather/Unsqueeze/Concat).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "test" / "fixtures" / "pytorch"
FULL_DIR = ROOT / "test" / "fixtures" / "generated"
OP_TYPES_TS = ROOT / "src" / "graph" / "op-types.ts"

PRESERVE = torch.onnx.TrainingMode.PRESERVE
EVAL = torch.onnx.TrainingMode.EVAL


def conv_bn(cin: int, cout: int, k, act: nn.Module | None, **kw) -> nn.Sequential:
    """Biasless conv + BatchNorm (+ activation), the unit BN folding must handle."""
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, k, bias=False, **kw), nn.BatchNorm2d(cout)]
    if act is not None:
        layers.append(act)
    return nn.Sequential(*layers)


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


class DilatedStack(nn.Module):
    """Dilations 1/2/4/6, padding < dilation, groups (2 and depthwise), stride 2, every activation."""

    def __init__(self) -> None:
        super().__init__()
        self.b1 = conv_bn(3, 8, 3, nn.ReLU(), padding=1)
        self.b2 = conv_bn(8, 8, 3, nn.ReLU6(), padding=1, dilation=2)  # padding < dilation: shrinks
        self.b3 = conv_bn(8, 8, 3, nn.Hardswish(), padding=4, dilation=4, groups=8)  # depthwise
        self.b4 = conv_bn(8, 12, 1, nn.LeakyReLU(0.1))
        self.b5 = conv_bn(12, 12, 3, nn.Sigmoid(), padding=6, dilation=6, groups=2, stride=2)
        self.b6 = conv_bn(12, 10, 3, nn.Tanh(), padding=1, dilation=2, stride=2)
        self.b7 = nn.Conv2d(10, 10, 3, padding=2, dilation=2)  # with bias
        self.p7 = nn.PReLU(10)
        self.b8 = nn.Conv2d(10, 6, 3, padding=1, groups=2)
        self.p8 = nn.PReLU()  # one shared slope

    def forward(self, x):
        x = self.b4(self.b3(self.b2(self.b1(x))))
        x = self.b6(self.b5(x))
        return self.p8(self.b8(self.p7(self.b7(x))))


class ConvTransposeVariants(nn.Module):
    """One output per ConvTranspose flavour, all from the same input."""

    def __init__(self) -> None:
        super().__init__()
        self.k4s2p1 = nn.ConvTranspose2d(4, 6, 4, stride=2, padding=1)
        self.k3s2op1 = nn.ConvTranspose2d(4, 5, 3, stride=2, padding=1, output_padding=1, bias=False)
        self.groups2 = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, groups=2)
        self.dil2 = nn.ConvTranspose2d(4, 3, 3, stride=1, padding=1, dilation=2)
        self.k2s2 = nn.ConvTranspose2d(4, 4, 2, stride=2, bias=False)
        self.k4s2p1_bn = nn.Sequential(nn.ConvTranspose2d(4, 4, 4, 2, 1, bias=False), nn.BatchNorm2d(4), nn.ReLU())
        self.rect = nn.ConvTranspose2d(4, 3, (3, 5), stride=(2, 3), padding=(1, 2), output_padding=(0, 2))

    def forward(self, x):
        return (
            self.k4s2p1(x),
            self.k3s2op1(x),
            self.groups2(x),
            self.dil2(x),
            self.k2s2(x),
            self.k4s2p1_bn(x),
            self.rect(x),
        )


class ResizeVariants(nn.Module):
    def forward(self, x):
        return (
            F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False),
            F.interpolate(x, size=(13, 17), mode="bilinear", align_corners=True),
            F.interpolate(x, scale_factor=2.0, mode="nearest"),
            F.interpolate(x, size=(10, 20), mode="nearest"),
            F.interpolate(x, scale_factor=1.5, mode="bilinear", align_corners=False),
            F.interpolate(x, size=(4, 5), mode="bilinear", align_corners=False),  # downsampling
            F.interpolate(x, scale_factor=3.0, mode="bilinear", align_corners=True),
        )


class TinyASPP(nn.Module):
    """DeepLab v3 ASPP: 1x1, rates 6/12/18, image pooling (GAP -> 1x1 -> resize back), concat, 1x1."""

    def __init__(self, cin: int = 8, c: int = 6, classes: int = 4) -> None:
        super().__init__()
        self.b0 = conv_bn(cin, c, 1, nn.ReLU())
        self.rates = nn.ModuleList([conv_bn(cin, c, 3, nn.ReLU(), padding=r, dilation=r) for r in (6, 12, 18)])
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), conv_bn(cin, c, 1, nn.ReLU()))
        self.project = conv_bn(5 * c, c, 1, nn.ReLU())
        self.classify = nn.Conv2d(c, classes, 1)

    def forward(self, x):
        pooled = F.interpolate(self.pool(x), size=x.shape[-2:], mode="bilinear", align_corners=False)
        y = torch.cat([self.b0(x)] + [b(x) for b in self.rates] + [pooled], dim=1)
        return self.classify(self.project(y))


def double_conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(conv_bn(cin, cout, 3, nn.ReLU(), padding=1), conv_bn(cout, cout, 3, nn.ReLU(), padding=1))


class SmallUNet(nn.Module):
    """U-Net with 4 levels: maxpool down, ConvTranspose k2 s2 up, concat skips."""

    def __init__(self, widths=(4, 8, 12, 16), classes: int = 3) -> None:
        super().__init__()
        w = widths
        self.enc = nn.ModuleList([double_conv(3, w[0]), double_conv(w[0], w[1]), double_conv(w[1], w[2])])
        self.bottom = double_conv(w[2], w[3])
        self.up = nn.ModuleList([nn.ConvTranspose2d(w[i + 1], w[i], 2, stride=2) for i in (2, 1, 0)])
        self.dec = nn.ModuleList([double_conv(2 * w[i], w[i]) for i in (2, 1, 0)])
        self.head = nn.Conv2d(w[0], classes, 1)

    def forward(self, x):
        skips = []
        for enc in self.enc:
            x = enc(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottom(x)
        for up, dec in zip(self.up, self.dec):
            x = dec(torch.cat([skips.pop(), up(x)], dim=1))
        return self.head(x)


class SmallFCN(nn.Module):
    """FCN-8s-like: VGG blocks, score layers, deconv x2 with FCN-style crop, skip fusion, deconv x4."""

    def __init__(self, classes: int = 5) -> None:
        super().__init__()

        def block(cin, cout, n):
            layers = []
            for i in range(n):
                layers += [nn.Conv2d(cin if i == 0 else cout, cout, 3, padding=1), nn.ReLU(inplace=True)]
            return nn.Sequential(*layers, nn.MaxPool2d(2, 2))

        self.b1, self.b2, self.b3, self.b4 = block(3, 8, 2), block(8, 12, 2), block(12, 16, 2), block(16, 16, 1)
        self.fc6 = nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(inplace=True), nn.Dropout2d())
        self.fc7 = nn.Sequential(nn.Conv2d(32, 32, 1), nn.ReLU(inplace=True), nn.Dropout2d())
        self.score_fr = nn.Conv2d(32, classes, 1)
        self.score_pool3 = nn.Conv2d(16, classes, 1)
        self.score_pool2 = nn.Conv2d(12, classes, 1)
        self.up2a = nn.ConvTranspose2d(classes, classes, 4, stride=2, bias=False)  # 2n+2, cropped
        self.up2b = nn.ConvTranspose2d(classes, classes, 4, stride=2, padding=1, bias=False)
        self.up4 = nn.ConvTranspose2d(classes, classes, 8, stride=4, padding=2, bias=False)

    def forward(self, x):
        p1 = self.b1(x)
        p2 = self.b2(p1)
        p3 = self.b3(p2)
        p4 = self.b4(p3)
        s = self.score_fr(self.fc7(self.fc6(p4)))
        s = self.up2a(s)[:, :, 1:-1, 1:-1] + self.score_pool3(p3)
        s = self.up2b(s) + self.score_pool2(p2)
        return self.up4(s)


class GCNBlock(nn.Module):
    """Global Convolutional Network block: (k x 1 -> 1 x k) + (1 x k -> k x 1)."""

    def __init__(self, cin: int, cout: int, k: int) -> None:
        super().__init__()
        p = k // 2
        self.l1 = nn.Conv2d(cin, cout, (k, 1), padding=(p, 0))
        self.l2 = nn.Conv2d(cout, cout, (1, k), padding=(0, p))
        self.r1 = nn.Conv2d(cin, cout, (1, k), padding=(0, p))
        self.r2 = nn.Conv2d(cout, cout, (k, 1), padding=(p, 0))

    def forward(self, x):
        return self.l2(self.l1(x)) + self.r2(self.r1(x))


class BoundaryRefine(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(c, c, 3, padding=1)
        self.c2 = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return x + self.c2(F.relu(self.c1(x)))


class SmallGCN(nn.Module):
    def __init__(self, classes: int = 4) -> None:
        super().__init__()
        self.stem = conv_bn(3, 8, 3, nn.ReLU(), padding=1, stride=2)
        self.down = conv_bn(8, 12, 3, nn.ReLU(), padding=1, stride=2)
        self.gcn_hi = GCNBlock(8, classes, 7)
        self.gcn_lo = GCNBlock(12, classes, 15)
        self.br_lo, self.br_hi, self.br_out = BoundaryRefine(classes), BoundaryRefine(classes), BoundaryRefine(classes)
        self.up = nn.ConvTranspose2d(classes, classes, 4, stride=2, padding=1, bias=False)

    def forward(self, x):
        hi = self.stem(x)
        lo = self.down(hi)
        s = self.up(self.br_lo(self.gcn_lo(lo))) + self.br_hi(self.gcn_hi(hi))
        s = F.interpolate(self.br_out(s), scale_factor=2.0, mode="bilinear", align_corners=False)
        return s


class SmallKSAC(nn.Module):
    """Kernel-Sharing Atrous Convolution: one 3x3 weight at rates 6/12/18, a BN per rate."""

    def __init__(self, cin: int = 12, c: int = 8, classes: int = 5) -> None:
        super().__init__()
        self.shared = nn.Parameter(torch.randn(c, cin, 3, 3) * (2.0 / (cin * 9)) ** 0.5)
        self.rates = (6, 12, 18)
        self.bns = nn.ModuleList([nn.BatchNorm2d(c) for _ in self.rates])
        self.b0 = conv_bn(cin, c, 1, None)
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), conv_bn(cin, c, 1, nn.ReLU()))
        self.classify = nn.Conv2d(c, classes, 1)

    def forward(self, x):
        y = self.b0(x)
        for r, bn in zip(self.rates, self.bns):
            y = y + bn(F.conv2d(x, self.shared, padding=r, dilation=r))
        y = y + self.pool(x)  # broadcast add of the pooled branch
        return self.classify(F.relu(y))


class SmallPointNet(nn.Module):
    """PointNet segmentation on (1, 3, N): T-net (bmm), shared MLPs as Conv1d, global max, per-point head."""

    def __init__(self, n: int, classes: int = 4, categories: int = 6) -> None:
        super().__init__()
        self.n = n

        def mlp(cin, cout):
            return nn.Sequential(nn.Conv1d(cin, cout, 1, bias=False), nn.BatchNorm1d(cout), nn.ReLU())

        self.t_feat = nn.Sequential(mlp(3, 16), mlp(16, 32))
        self.t_fc = nn.Linear(32, 9)
        self.local = nn.Sequential(mlp(3, 16), mlp(16, 24))
        self.glob = mlp(24, 48)
        self.head = nn.Sequential(mlp(24 + 48, 32), mlp(32, 16), nn.Conv1d(16, classes, 1))
        self.cls = nn.Sequential(nn.Linear(48, 16), nn.ReLU(), nn.Linear(16, categories))

    def forward(self, x):
        t = self.t_feat(x).amax(dim=2)  # (1, 32)
        t = self.t_fc(t).view(-1, 3, 3) + torch.eye(3).view(1, 3, 3)
        x = torch.bmm(x.transpose(2, 1), t).transpose(2, 1)
        local = self.local(x)
        feat = self.glob(local)
        g = torch.max(feat, 2, keepdim=True)[0]  # (1, 48, 1)
        seg = self.head(torch.cat([local, g.expand_as(feat)], dim=1))
        seg = F.softmax(seg.transpose(1, 2), dim=-1)  # (1, N, classes)
        return seg, self.cls(g.squeeze(2))


class MiscOps(nn.Module):
    """Coverage for the ops a segmentation graph carries besides convolutions."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 8, 3, padding=1)
        self.proj = nn.Parameter(torch.randn(8, 5) * 0.3)
        self.fc1 = nn.Linear(8, 10)
        self.fc2 = nn.Linear(10, 3)
        self.head = nn.Conv2d(8, 5, 1)
        self.avg = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
        self.max = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.max_edge = nn.MaxPool2d(2, stride=2, padding=1, ceil_mode=True)  # last window dropped

    def forward(self, x):
        m = x.mean(dim=(2, 3), keepdim=True)  # ReduceMean
        mx = x.amax(dim=(2, 3), keepdim=True)  # ReduceMax
        y = self.conv((x - m) / (mx + 1.0))  # Sub, Add, Div
        pads = torch.cat(
            [
                F.pad(y, (1, 2, 0, 1), mode="constant", value=0.5),
                F.pad(y, (1, 2, 0, 1), mode="reflect"),
                F.pad(y, (1, 2, 0, 1), mode="replicate"),
            ],
            dim=1,
        )
        s = y[:, :, 1:-1:2]  # Slice with a step
        a, b = torch.split(s, [3, 5], dim=1)
        c, d = torch.chunk(b, 2, dim=3)  # uneven chunks along W
        sliced = torch.cat([torch.cat([c, d], dim=3), a], dim=1)
        t = torch.matmul(y.permute(0, 2, 3, 1), self.proj).transpose(1, 3)  # Transpose, MatMul
        g = y.mean(dim=(2, 3))  # keepdims=0
        gated = y * torch.sigmoid(g).unsqueeze(-1).unsqueeze(-1).expand_as(y)
        squeezed = y.amax(dim=1, keepdim=True).squeeze(1)
        flat = F.adaptive_avg_pool2d(y, 1)
        flat = flat.view(flat.size(0), -1)  # Shape/Gather/Unsqueeze/Concat/Reshape
        cls = F.softmax(self.fc2(F.relu(self.fc1(flat))), dim=1)  # Gemm, Softmax
        flat2 = torch.flatten(self.avg(y), 1)  # Flatten
        logits = self.head(gated.clamp(-0.5, 0.7) + F.hardsigmoid(y))  # Clip, HardSigmoid
        probs = F.softmax(logits, dim=1)
        label = probs.argmax(dim=1)  # int64
        return (
            pads,
            sliced,
            t,
            squeezed,
            cls,
            flat2,
            self.max(y),
            self.max_edge(y),
            probs,
            label,
            label.to(torch.float32) * 0.25,  # Cast
        )


# --------------------------------------------------------------------------------------------
# torchvision models
# --------------------------------------------------------------------------------------------


class OutOnly(nn.Module):
    """torchvision segmentation models return {'out': ...}; export the tensor."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)["out"]


def tv_lraspp_small() -> nn.Module:
    from torchvision.models import mobilenet_v3_large
    from torchvision.models.segmentation.lraspp import LRASPP
    from torchvision.models._utils import IntermediateLayerGetter

    # Same construction as torchvision's _lraspp_mobilenetv3, at width 0.25 and inter_channels 32.
    features = mobilenet_v3_large(weights=None, width_mult=0.25, dilated=True).features
    stages = [0] + [i for i, b in enumerate(features) if getattr(b, "_is_cn", False)] + [len(features) - 1]
    low, high = stages[-4], stages[-1]
    backbone = IntermediateLayerGetter(features, return_layers={str(low): "low", str(high): "high"})
    return OutOnly(LRASPP(backbone, features[low].out_channels, features[high].out_channels, 21, 32))


def tv_deeplabv3_small() -> nn.Module:
    from torchvision.models import mobilenet_v3_large
    from torchvision.models.segmentation.deeplabv3 import ASPP, DeepLabV3
    from torchvision.models._utils import IntermediateLayerGetter

    # torchvision's _deeplabv3_mobilenetv3 with DeepLabHead's layers at 16 instead of 256 channels.
    features = mobilenet_v3_large(weights=None, width_mult=0.25, dilated=True).features
    stages = [0] + [i for i, b in enumerate(features) if getattr(b, "_is_cn", False)] + [len(features) - 1]
    out = stages[-1]
    backbone = IntermediateLayerGetter(features, return_layers={str(out): "out"})
    head = nn.Sequential(
        ASPP(features[out].out_channels, [12, 24, 36], out_channels=16),
        nn.Conv2d(16, 16, 3, padding=1, bias=False),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.Conv2d(16, 21, 1),
    )
    return OutOnly(DeepLabV3(backbone, head, None))


def tv_lraspp_full() -> nn.Module:
    from torchvision.models.segmentation import lraspp_mobilenet_v3_large

    return OutOnly(lraspp_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=21))


def tv_deeplabv3_full() -> nn.Module:
    from torchvision.models.segmentation import deeplabv3_mobilenet_v3_large

    m = deeplabv3_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=21, aux_loss=False)
    return OutOnly(m)


# --------------------------------------------------------------------------------------------
# Fixture table
# --------------------------------------------------------------------------------------------


@dataclass
class Fixture:
    name: str
    build: Callable[[], nn.Module]
    inputs: list[tuple[str, tuple[int, ...]]]
    opset: int
    covers: list[str]
    outputs: list[str] = field(default_factory=lambda: ["output"])
    training: torch.onnx.TrainingMode = PRESERVE
    fold: bool = True
    seed: int = 0


POINTS = 64

FIXTURES = [
    Fixture("dilated_convs", DilatedStack, [("input", (1, 3, 29, 35))], 11,
            ["dilated conv 1/2/4/6", "padding < dilation", "depthwise", "groups 2", "stride 2", "conv+BN",
             "ReLU", "ReLU6 (Clip)", "Hardswish as HardSigmoid*x", "LeakyReLU", "Sigmoid", "Tanh", "PReLU"]),
    Fixture("dilated_convs_o17", DilatedStack, [("input", (1, 3, 23, 20))], 17,
            ["dilated conv", "depthwise", "HardSwish op", "PReLU", "conv+BN"], seed=1),
    Fixture("conv_transpose", ConvTransposeVariants, [("input", (1, 4, 7, 9))], 13,
            ["ConvTranspose k4 s2 p1", "k3 s2 p1 output_padding 1", "groups 2", "dilation 2", "k2 s2 no pad",
             "ConvTranspose+BN+ReLU", "rectangular kernel/stride/output_padding"],
            outputs=["k4s2p1", "k3s2op1", "groups2", "dil2", "k2s2", "k4s2p1_bn", "rect"]),
    Fixture("resize_o11", ResizeVariants, [("input", (1, 3, 7, 9))], 11,
            ["Resize bilinear align_corners False/True", "scale_factor and size", "nearest",
             "non-integer scale", "downsampling", "opset 11 roi/scales inputs"],
            outputs=["bilinear_x2", "bilinear_ac_size", "nearest_x2", "nearest_size", "bilinear_x1_5",
                     "bilinear_down", "bilinear_ac_x3"]),
    Fixture("resize_o17", ResizeVariants, [("input", (1, 2, 6, 5))], 17,
            ["Resize bilinear align_corners False/True", "nearest", "opset 13+ optional inputs"],
            outputs=["bilinear_x2", "bilinear_ac_size", "nearest_x2", "nearest_size", "bilinear_x1_5",
                     "bilinear_down", "bilinear_ac_x3"], seed=1),
    Fixture("aspp", TinyASPP, [("input", (1, 8, 17, 21))], 11,
            ["ASPP rates 6/12/18", "image pooling GlobalAveragePool", "Resize to input size", "Concat",
             "conv+BN+ReLU"]),
    Fixture("aspp_nofold", TinyASPP, [("input", (1, 8, 15, 18))], 13,
            ["ASPP", "raw Shape/Slice/Concat before Resize (do_constant_folding=False)"], fold=False, seed=1),
    Fixture("unet", SmallUNet, [("input", (1, 3, 32, 32))], 13,
            ["U-Net 4 levels", "MaxPool", "ConvTranspose k2 s2", "Concat skips", "conv+BN+ReLU"]),
    Fixture("fcn", SmallFCN, [("input", (1, 3, 32, 32))], 11,
            ["FCN-8s-like VGG", "MaxPool", "Dropout removed in eval", "ConvTranspose skip fusion",
             "Slice crop", "Add", "exporter's own BN folding path (EVAL)"], training=EVAL),
    Fixture("gcn", SmallGCN, [("input", (1, 3, 28, 28))], 17,
            ["GCN k=7 and k=15 as kx1/1xk branches", "boundary refinement", "ConvTranspose", "Resize"]),
    Fixture("ksac", SmallKSAC, [("input", (1, 12, 19, 23))], 17,
            ["KSAC: one shared 3x3 weight at rates 6/12/18", "per-rate BatchNormalization", "image pooling",
             "broadcast Add"]),
    Fixture("pointnet", lambda: SmallPointNet(POINTS), [("points", (1, 3, POINTS))], 13,
            ["Conv1d", "BatchNorm1d", "T-net MatMul (bmm)", "global ReduceMax", "Expand", "Concat",
             "Softmax last axis", "Gemm", "Squeeze"], outputs=["seg", "cls"]),
]

MISC_OUTPUTS = ["pads", "sliced", "matmul_t", "squeezed", "cls", "flat_avgpool", "maxpool_ceil",
                "maxpool_ceil_edge", "probs", "label", "label_f"]
MISC_COVERS = ["Pad constant/reflect/replicate", "Slice with step", "Split / chunk", "Transpose", "MatMul",
               "ReduceMean/ReduceMax keepdims 0/1", "Squeeze/Unsqueeze", "Expand", "Clip", "Sub/Div",
               "AvgPool ceil_mode count_include_pad=0", "MaxPool ceil_mode (+ dropped last window)",
               "HardSigmoid", "Flatten", "view(size(0), -1) shape math", "Gemm", "Softmax axis 1", "ArgMax",
               "Cast"]
for _op, _seed in ((11, 0), (13, 1), (17, 2)):
    FIXTURES.append(Fixture(f"misc_o{_op}", MiscOps, [("input", (1, 4, 13, 15))], _op, MISC_COVERS,
                            outputs=MISC_OUTPUTS, seed=_seed))
FIXTURES.append(Fixture("misc_nofold", MiscOps, [("input", (1, 4, 13, 15))], 13,
                        MISC_COVERS + ["raw shape math (do_constant_folding=False)"], outputs=MISC_OUTPUTS,
                        fold=False, seed=3))
FIXTURES += [
    Fixture("tv_lraspp_mnv3_small", tv_lraspp_small, [("input", (1, 3, 48, 64))], 13,
            ["torchvision LRASPP + MobileNetV3-Large (width 0.25, dilated)", "SqueezeExcitation",
             "Hardswish", "HardSigmoid", "depthwise dilated conv", "Resize"]),
    Fixture("tv_deeplabv3_mnv3_small", tv_deeplabv3_small, [("input", (1, 3, 48, 64))], 17,
            ["torchvision DeepLabV3 + MobileNetV3-Large (width 0.25, dilated)", "torchvision ASPP 12/24/36",
             "HardSwish op", "Resize"], seed=1),
]

FULL_FIXTURES = [
    Fixture("tv_lraspp_mnv3_full", tv_lraspp_full, [("input", (1, 3, 128, 160))], 13,
            ["torchvision lraspp_mobilenet_v3_large, random weights"], training=EVAL),
    Fixture("tv_deeplabv3_mnv3_full", tv_deeplabv3_full, [("input", (1, 3, 128, 160))], 17,
            ["torchvision deeplabv3_mobilenet_v3_large, random weights, BN kept"], seed=1),
]


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def known_ops() -> set[str]:
    return set(re.findall(r"^\s*'(\w+)',\s*$", OP_TYPES_TS.read_text(), re.M))


def randomize_batchnorm(model: nn.Module, input_shapes: list[tuple[int, ...]]) -> None:
    """Random affine, running stats from a few train-mode passes over random inputs, then perturbed.

    Calibrating keeps activations O(1) through deep random networks; the perturbation keeps the
    statistics away from what the batch would give, so a wrong BN formula cannot hide.
    """
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    with torch.no_grad():
        for bn in bns:
            c = bn.num_features
            bn.weight.copy_(torch.empty(c).uniform_(0.5, 1.5))
            bn.bias.copy_(torch.randn(c) * 0.2)
            bn.eps = float(torch.empty(1).uniform_(1e-5, 1e-3))
            bn.reset_running_stats()
            bn.momentum = None  # cumulative average over the calibration passes
        model.train()
        for _ in range(3):
            model(*[torch.randn((4,) + s[1:]) for s in input_shapes])
        for bn in bns:
            c = bn.num_features
            bn.running_mean.add_(torch.randn(c) * 0.1 * bn.running_var.sqrt())
            bn.running_var.mul_(torch.empty(c).uniform_(0.8, 1.25))
    model.eval()


def save_npy(path: Path, t: torch.Tensor) -> None:
    arr = t.detach().numpy()
    if arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    np.save(path, np.ascontiguousarray(arr))


def export(fx: Fixture, out_dir: Path, ops_known: set[str]) -> dict:
    torch.manual_seed(fx.seed)
    model = fx.build()
    randomize_batchnorm(model, [s for _, s in fx.inputs])
    model.eval()
    inputs = [torch.randn(s) for _, s in fx.inputs]
    with torch.no_grad():
        result = model(*inputs)
    outs = list(result) if isinstance(result, (tuple, list)) else [result]
    if len(outs) != len(fx.outputs):
        if fx.outputs == ["output"]:
            fx.outputs = [f"output{k}" for k in range(len(outs))]
        else:
            raise SystemExit(f"{fx.name}: {len(outs)} outputs, {len(fx.outputs)} names")

    buf = io.BytesIO()
    torch.onnx.export(
        model,
        tuple(inputs),
        buf,
        opset_version=fx.opset,
        input_names=[n for n, _ in fx.inputs],
        output_names=fx.outputs,
        training=fx.training,
        do_constant_folding=fx.fold,
    )
    proto = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(proto)
    ops = sorted({n.op_type for n in proto.graph.node})
    unknown = [o for o in ops if o not in ops_known]
    if unknown:
        print(f"  WARNING {fx.name}: ops outside atrous's OP_TYPES: {unknown}", file=sys.stderr)
    (out_dir / f"{fx.name}.onnx").write_bytes(buf.getvalue())

    def files(kind: str, n: int) -> list[str]:
        return [f"{fx.name}.{kind}.npy"] if n == 1 else [f"{fx.name}.{kind}.{k}.npy" for k in range(n)]

    in_files, out_files = files("input", len(inputs)), files("output", len(outs))
    for f, t in zip(in_files, inputs):
        save_npy(out_dir / f, t)
    for f, t in zip(out_files, outs):
        save_npy(out_dir / f, t)
    n_params = sum(int(np.prod(i.dims)) for i in proto.graph.initializer)
    stats = ", ".join(f"{o.abs().max().item():.3g}" for o in outs if o.is_floating_point())
    print(f"  {fx.name}: opset {fx.opset}, {len(proto.graph.node)} nodes, {n_params} weights, |out|max {stats}")
    return {
        "name": fx.name,
        "file": f"{fx.name}.onnx",
        "opset": fx.opset,
        "exported_with": {
            "torch": torch.__version__,
            "training": fx.training.name,
            "do_constant_folding": fx.fold,
        },
        "inputs": [
            {"name": n, "shape": list(s), "dtype": "float32", "file": f}
            for (n, s), f in zip(fx.inputs, in_files)
        ],
        "outputs": [
            {"name": n, "shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""), "file": f}
            for n, t, f in zip(fx.outputs, outs, out_files)
        ],
        "ops": ops,
        "unsupported_ops": unknown,
        "covers": fx.covers,
    }


def run(fixtures: list[Fixture], out_dir: Path, description: str) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    ops_known = known_ops()
    entries = [export(fx, out_dir, ops_known) for fx in fixtures]
    manifest = {
        "description": description,
        "generator": "scripts/make-fixtures.py",
        "tolerance": {"relative_error": 1e-3},
        "fixtures": entries,
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    total = sum(p.stat().st_size for p in out_dir.iterdir() if p.is_file())
    print(f"{out_dir.relative_to(ROOT)}: {len(entries)} fixtures, {total / 1e6:.2f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="also write full-size torchvision models")
    parser.add_argument("--full-only", action="store_true", help="write only the full-size models (CI)")
    parser.add_argument("--only", nargs="*", help="export just these fixture names (no manifest rewrite)")
    args = parser.parse_args()
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    if args.only:
        pool = {fx.name: fx for fx in FIXTURES + FULL_FIXTURES}
        ops_known = known_ops()
        for name in args.only:
            fx = pool[name]
            out_dir = FULL_DIR if fx in FULL_FIXTURES else OUT_DIR
            out_dir.mkdir(parents=True, exist_ok=True)
            export(fx, out_dir, ops_known)
        return
    if not args.full_only:
        run(FIXTURES, OUT_DIR, "Small PyTorch-exported models with PyTorch's outputs (committed).")
    if args.full or args.full_only:
        run(FULL_FIXTURES, FULL_DIR, "Full-size torchvision segmentation models (generated, not committed).")


if __name__ == "__main__":
    main()

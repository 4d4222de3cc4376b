#!/usr/bin/env python3
"""Reference PyTorch modules for atrous's paper models (src/zoo/papers) and their fixtures.

Usage (Debian's python3-torch 1.13):

    OMP_NUM_THREADS=2 /usr/bin/python3 scripts/make-paper-fixtures.py

Every module below has the structure and the parameter names (state_dict keys) of the matching
zoo builder, at a reduced width (config `width`) and a small input, so the committed files stay
small. For each model <name> it writes to test/fixtures/zoo-papers/:
    <name>.safetensors   the float parameters (written by hand: 8-byte LE header length, JSON
                         header {name: {dtype, shape, data_offsets}}, raw little-endian data)
    <name>.input.npy     float32 input
    <name>.output.npy    PyTorch's output (eval mode)
    manifest.json        the zoo config each fixture was made with
Weights: PyTorch's default init, BatchNorm affine parameters and running statistics randomized
(seeded), so BN folding sees non-trivial numbers. Channel counts use the zoo's rounding:
max(1, floor(c * width + 0.5)).
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "test" / "fixtures" / "zoo-papers"


def ch(c: int, width: float) -> int:
    return max(1, int(math.floor(c * width + 0.5)))


def conv_bn(cin, cout, k=1, stride=1, pad=None, dilation=1, groups=1):
    """(conv without bias, BN) as a Sequential: names .0 / .1."""
    if pad is None:
        pad = dilation * (k - 1) // 2
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride, pad, dilation, groups, bias=False), nn.BatchNorm2d(cout)
    )


def up(x, size):
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


# ------------------------------------------------------------------------------------------------
# VGG-16: FCN and DeepLab v1
# ------------------------------------------------------------------------------------------------

VGG = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]


class VggFeatures(nn.Module):
    def __init__(self, width, first_pad, dilation_of, pool_of):
        super().__init__()
        self.names = []
        self.pools = [pool_of(s) for s in range(5)]
        cin = 3
        for s, (c, n) in enumerate(VGG):
            d = dilation_of(s)
            for i in range(1, n + 1):
                pad = first_pad if (s == 0 and i == 1) else d
                name = f"conv{s + 1}_{i}"
                setattr(self, name, nn.Conv2d(cin, ch(c, width), 3, 1, pad, d))
                self.names.append((s, name))
                cin = ch(c, width)

    def forward(self, x):
        pools = []
        for s in range(5):
            for st, name in self.names:
                if st == s:
                    x = F.relu(getattr(self, name)(x))
            x = self.pools[s](x)
            pools.append(x)
        return pools


class FCN(nn.Module):
    def __init__(self, variant, classes, width):
        super().__init__()
        self.variant = variant
        feats = VggFeatures(width, 100, lambda s: 1, lambda s: nn.MaxPool2d(2, 2, ceil_mode=True))
        # Flatten the VGG convs into this module so the names are conv1_1 ... (no prefix).
        for _, name in feats.names:
            setattr(self, name, getattr(feats, name))
        self.vgg_names = feats.names
        self.vgg_pools = feats.pools
        fc = ch(4096, width)
        self.fc6 = nn.Conv2d(ch(512, width), fc, 7)
        self.fc7 = nn.Conv2d(fc, fc, 1)
        self.score_fr = nn.Conv2d(fc, classes, 1)
        k = classes
        if variant == 32:
            self.upscore = nn.ConvTranspose2d(k, k, 64, 32, bias=False)
        else:
            self.score_pool4 = nn.Conv2d(ch(512, width), k, 1)
            self.upscore2 = nn.ConvTranspose2d(k, k, 4, 2, bias=False)
            if variant == 16:
                self.upscore16 = nn.ConvTranspose2d(k, k, 32, 16, bias=False)
            else:
                self.score_pool3 = nn.Conv2d(ch(256, width), k, 1)
                self.upscore_pool4 = nn.ConvTranspose2d(k, k, 4, 2, bias=False)
                self.upscore8 = nn.ConvTranspose2d(k, k, 16, 8, bias=False)

    def forward(self, x):
        h, w = x.shape[2:]
        pools = []
        y = x
        for s in range(5):
            for st, name in self.vgg_names:
                if st == s:
                    y = F.relu(getattr(self, name)(y))
            y = self.vgg_pools[s](y)
            pools.append(y)
        y = F.relu(self.fc6(pools[4]))
        y = F.relu(self.fc7(y))
        score = self.score_fr(y)
        if self.variant == 32:
            return self.upscore(score)[:, :, 19 : 19 + h, 19 : 19 + w]
        up2 = self.upscore2(score)
        sp4 = self.score_pool4(pools[3])[:, :, 5 : 5 + up2.shape[2], 5 : 5 + up2.shape[3]]
        fuse4 = up2 + sp4
        if self.variant == 16:
            return self.upscore16(fuse4)[:, :, 27 : 27 + h, 27 : 27 + w]
        up4 = self.upscore_pool4(fuse4)
        sp3 = self.score_pool3(pools[2])[:, :, 9 : 9 + up4.shape[2], 9 : 9 + up4.shape[3]]
        return self.upscore8(up4 + sp3)[:, :, 31 : 31 + h, 31 : 31 + w]


class DeepLabV1(nn.Module):
    def __init__(self, classes, width):
        super().__init__()
        feats = VggFeatures(
            width,
            1,
            lambda s: 2 if s == 4 else 1,
            lambda s: nn.MaxPool2d(3, 2 if s < 3 else 1, 1, ceil_mode=True),
        )
        for _, name in feats.names:
            setattr(self, name, getattr(feats, name))
        self.vgg_names = feats.names
        self.vgg_pools = feats.pools
        self.pool5a = nn.AvgPool2d(3, 1, 1)
        fc = ch(1024, width)
        self.fc6 = nn.Conv2d(ch(512, width), fc, 3, padding=12, dilation=12)
        self.fc7 = nn.Conv2d(fc, fc, 1)
        self.fc8 = nn.Conv2d(fc, classes, 1)

    def forward(self, x):
        y = x
        for s in range(5):
            for st, name in self.vgg_names:
                if st == s:
                    y = F.relu(getattr(self, name)(y))
            y = self.vgg_pools[s](y)
        y = self.pool5a(y)
        y = F.relu(self.fc6(y))
        y = F.relu(self.fc7(y))
        return up(self.fc8(y), x.shape[2:])


# ------------------------------------------------------------------------------------------------
# U-Net
# ------------------------------------------------------------------------------------------------


class DoubleConv(nn.Module):
    def __init__(self, cin, c):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        return F.relu(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))


class UNet(nn.Module):
    def __init__(self, classes, base):
        super().__init__()
        cin = 3
        for l in range(1, 5):
            setattr(self, f"enc{l}", DoubleConv(cin, base * 2 ** (l - 1)))
            cin = base * 2 ** (l - 1)
        self.bottleneck = DoubleConv(cin, base * 16)
        cin = base * 16
        for l in range(4, 0, -1):
            c = base * 2 ** (l - 1)
            setattr(self, f"up{l}", nn.ConvTranspose2d(cin, c, 2, 2))
            setattr(self, f"dec{l}", DoubleConv(2 * c, c))
            cin = c
        self.head = nn.Conv2d(base, classes, 1)

    def forward(self, x):
        skips = []
        for l in range(1, 5):
            x = getattr(self, f"enc{l}")(x)
            skips.append(x)
            x = F.max_pool2d(x, 2, 2)
        x = self.bottleneck(x)
        for l in range(4, 0, -1):
            x = getattr(self, f"up{l}")(x)
            x = getattr(self, f"dec{l}")(torch.cat([x, skips[l - 1]], 1))
        return self.head(x)


# ------------------------------------------------------------------------------------------------
# Backbones: ResNet (torchvision names), MobileNetV2 (torchvision names), aligned Xception-65
# ------------------------------------------------------------------------------------------------


class Bottleneck(nn.Module):
    def __init__(self, cin, planes, stride, dilation):
        super().__init__()
        cout = planes * 4
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, dilation, dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.downsample = conv_bn(cin, cout, 1, stride) if (stride != 1 or cin != cout) else None

    def forward(self, x):
        idt = self.downsample(x) if self.downsample is not None else x
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        return F.relu(self.bn3(self.conv3(y)) + idt)


RESNET_BLOCKS = {50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3]}


class ResNet(nn.Module):
    def __init__(self, depth, width, output_stride):
        super().__init__()
        c = ch(64, width)
        self.conv1 = nn.Conv2d(3, c, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        dilate = {8: [False, False, True, True], 16: [False, False, False, True]}.get(
            output_stride, [False] * 4
        )
        dilation = 1
        cin = c
        for li, n in enumerate(RESNET_BLOCKS[depth]):
            planes = ch(64 * 2**li, width)
            stride = 1 if li == 0 else 2
            prev = dilation
            if dilate[li]:
                dilation *= stride
                stride = 1
            blocks = []
            for i in range(n):
                blocks.append(Bottleneck(cin, planes, stride if i == 0 else 1, prev if i == 0 else dilation))
                cin = planes * 4
            setattr(self, f"layer{li + 1}", nn.Sequential(*blocks))

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        outs = []
        for li in range(1, 5):
            x = getattr(self, f"layer{li}")(x)
            outs.append(x)
        return outs


MBV2 = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, t, dilation):
        super().__init__()
        hidden = cin * t
        layers = []
        if t != 1:
            layers.append(nn.Sequential(*conv_bn(cin, hidden, 1), nn.ReLU6()))
        layers.append(nn.Sequential(*conv_bn(hidden, hidden, 3, stride, dilation, dilation, hidden), nn.ReLU6()))
        layers += [nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.conv = nn.Sequential(*layers)
        self.res = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.conv(x) if self.res else self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, width, output_stride):
        super().__init__()
        feats = [nn.Sequential(*conv_bn(3, ch(32, width), 3, 2), nn.ReLU6())]
        current, dilation, cin = 2, 1, ch(32, width)
        for t, c, n, s in MBV2:
            for i in range(n):
                stride = s if i == 0 else 1
                if stride > 1 and current >= output_stride:
                    dilation *= stride
                    stride = 1
                else:
                    current *= stride
                feats.append(InvertedResidual(cin, ch(c, width), stride, t, dilation))
                cin = ch(c, width)
        self.features = nn.Sequential(*feats)

    def forward(self, x):
        low = None
        for i, f in enumerate(self.features):
            x = f(x)
            if i == 3:
                low = x
        return low, x


class SepConv(nn.Module):
    def __init__(self, cin, cout, stride, dilation):
        super().__init__()
        self.dw = nn.Conv2d(cin, cin, 3, stride, dilation, dilation, cin, bias=False)
        self.bn_dw = nn.BatchNorm2d(cin)
        self.pw = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn_pw = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn_pw(self.pw(self.bn_dw(self.dw(x)))))


class XBlock(nn.Module):
    def __init__(self, cin, chans, stride, dilation):
        super().__init__()
        c = cin
        for i, co in enumerate(chans):
            setattr(self, f"sep{i + 1}", SepConv(c, co, stride if i == 2 else 1, dilation))
            c = co
        self.has_skip = stride != 1 or cin != chans[2]
        if self.has_skip:
            self.skip = nn.Conv2d(cin, chans[2], 1, stride, bias=False)
            self.skip_bn = nn.BatchNorm2d(chans[2])

    def forward(self, x):
        y = self.sep3(self.sep2(self.sep1(x)))
        return y + (self.skip_bn(self.skip(x)) if self.has_skip else x)


class Xception65(nn.Module):
    def __init__(self, width, output_stride):
        super().__init__()
        s = lambda c: ch(c, width)  # noqa: E731
        self.conv1 = nn.Conv2d(3, s(32), 3, 2, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(s(32))
        self.conv2 = nn.Conv2d(s(32), s(64), 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(s(64))
        specs = [([128] * 3, True), ([256] * 3, True), ([728] * 3, True)]
        specs += [([728] * 3, False)] * 16 + [([728, 1024, 1024], True)]
        current, dilation, cin = 2, 1, s(64)
        for i, (chans, strided) in enumerate(specs):
            stride = 1
            if strided:
                if current >= output_stride:
                    dilation *= 2
                else:
                    current *= 2
                    stride = 2
            setattr(self, f"block{i + 1}", XBlock(cin, [s(c) for c in chans], stride, dilation))
            cin = s(chans[2])
        for i, c in enumerate([1536, 1536, 2048]):
            setattr(self, f"exit{i + 1}", SepConv(cin, s(c), 1, dilation))
            cin = s(c)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        low = None
        for i in range(1, 21):
            x = getattr(self, f"block{i}")(x)
            if i == 1:
                low = x
        for i in range(1, 4):
            x = getattr(self, f"exit{i}")(x)
        return low, x


# ------------------------------------------------------------------------------------------------
# Heads: DeepLab v2 / v3+, GCN, KSAC
# ------------------------------------------------------------------------------------------------


def default_rates(os_, rates):
    return rates or ([12, 24, 36] if os_ == 8 else [3, 6, 9] if os_ == 32 else [6, 12, 18])


class DeepLabV2(nn.Module):
    def __init__(self, classes, width, output_stride=8, rates=(6, 12, 18, 24)):
        super().__init__()
        self.backbone = ResNet(101, width, output_stride)
        cin = ch(512, width) * 4
        self.aspp = nn.ModuleList([nn.Conv2d(cin, classes, 3, 1, r, r) for r in rates])

    def forward(self, x):
        f = self.backbone(x)[3]
        return up(sum(a(f) for a in self.aspp), x.shape[2:])


class ASPP(nn.Module):
    def __init__(self, cin, rates, width):
        super().__init__()
        c = ch(256, width)
        convs = [nn.Sequential(*conv_bn(cin, c, 1), nn.ReLU())]
        convs += [nn.Sequential(*conv_bn(cin, c, 3, 1, r, r), nn.ReLU()) for r in rates]
        convs.append(nn.Sequential(nn.AdaptiveAvgPool2d(1), *conv_bn(cin, c, 1), nn.ReLU()))
        self.convs = nn.ModuleList(convs)
        self.project = nn.Sequential(*conv_bn(c * (len(rates) + 2), c, 1), nn.ReLU())

    def forward(self, x):
        outs = [m(x) for m in self.convs[:-1]] + [up(self.convs[-1](x), x.shape[2:])]
        return self.project(torch.cat(outs, 1))


class Decoder(nn.Module):
    def __init__(self, c_low, width):
        super().__init__()
        c = ch(256, width)
        self.reduce = nn.Sequential(*conv_bn(c_low, ch(48, width), 1), nn.ReLU())
        self.fuse = nn.Sequential(
            *conv_bn(c + ch(48, width), c, 3), nn.ReLU(), *conv_bn(c, c, 3), nn.ReLU()
        )

    def forward(self, high, low):
        return self.fuse(torch.cat([up(high, low.shape[2:]), self.reduce(low)], 1))


class DeepLabV3Plus(nn.Module):
    def __init__(self, backbone, classes, width, output_stride=16, rates=None):
        super().__init__()
        self.kind = backbone
        if backbone.startswith("resnet"):
            self.backbone = ResNet(int(backbone[6:]), width, output_stride)
            c_low, c_high = ch(64, width) * 4, ch(512, width) * 4
        elif backbone == "mobilenet_v2":
            self.backbone = MobileNetV2(width, output_stride)
            c_low, c_high = ch(24, width), ch(320, width)
        else:
            self.backbone = Xception65(width, output_stride)
            c_low, c_high = ch(128, width), ch(2048, width)
        self.aspp = ASPP(c_high, default_rates(output_stride, rates), width)
        self.decoder = Decoder(c_low, width)
        self.classifier = nn.Conv2d(ch(256, width), classes, 1)

    def forward(self, x):
        if self.kind.startswith("resnet"):
            outs = self.backbone(x)
            low, high = outs[0], outs[3]
        else:
            low, high = self.backbone(x)
        y = self.decoder(self.aspp(high), low)
        return up(self.classifier(y), x.shape[2:])


class GCNModule(nn.Module):
    def __init__(self, cin, classes, k=15):
        super().__init__()
        p = (k - 1) // 2
        self.conv_l1 = nn.Conv2d(cin, classes, (k, 1), padding=(p, 0))
        self.conv_l2 = nn.Conv2d(classes, classes, (1, k), padding=(0, p))
        self.conv_r1 = nn.Conv2d(cin, classes, (1, k), padding=(0, p))
        self.conv_r2 = nn.Conv2d(classes, classes, (k, 1), padding=(p, 0))

    def forward(self, x):
        return self.conv_l2(self.conv_l1(x)) + self.conv_r2(self.conv_r1(x))


class BR(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return x + self.conv2(F.relu(self.conv1(x)))


class GCN(nn.Module):
    def __init__(self, classes, width):
        super().__init__()
        self.backbone = ResNet(50, width, 32)
        k = classes
        for l in range(2, 6):
            setattr(self, f"gcn{l}", GCNModule(ch(64 * 2 ** (l - 2), width) * 4, k))
        for n in ["5a", "4a", "4b", "3a", "3b", "2a", "2b", "1", "0"]:
            setattr(self, f"br{n}", BR(k))
        for l in range(1, 6):
            setattr(self, f"deconv{l}", nn.ConvTranspose2d(k, k, 4, 2, 1, bias=False))

    def forward(self, x):
        layers = self.backbone(x)
        s = self.br5a(self.gcn5(layers[3]))
        for l in [4, 3, 2]:
            u = getattr(self, f"deconv{l + 1}")(s)
            g = getattr(self, f"br{l}a")(getattr(self, f"gcn{l}")(layers[l - 2]))
            s = getattr(self, f"br{l}b")(g + u)
        s = self.br1(self.deconv2(s))
        return self.br0(self.deconv1(s))


class KSACHead(nn.Module):
    def __init__(self, cin, rates, width):
        super().__init__()
        c = ch(256, width)
        self.rates = rates
        self.conv1x1 = nn.Conv2d(cin, c, 1, bias=False)
        self.bn1x1 = nn.BatchNorm2d(c)
        self.shared = nn.Parameter(torch.empty(c, cin, 3, 3))
        nn.init.kaiming_uniform_(self.shared, a=math.sqrt(5))
        self.bn = nn.ModuleList([nn.BatchNorm2d(c) for _ in rates])
        self.pool_conv = nn.Conv2d(cin, c, 1, bias=False)
        self.pool_bn = nn.BatchNorm2d(c)
        self.project = nn.Conv2d(c * (len(rates) + 2), c, 1, bias=False)
        self.project_bn = nn.BatchNorm2d(c)

    def forward(self, x):
        outs = [F.relu(self.bn1x1(self.conv1x1(x)))]
        for r, bn in zip(self.rates, self.bn):
            outs.append(F.relu(bn(F.conv2d(x, self.shared, padding=r, dilation=r))))
        p = F.relu(self.pool_bn(self.pool_conv(F.adaptive_avg_pool2d(x, 1))))
        outs.append(up(p, x.shape[2:]))
        return F.relu(self.project_bn(self.project(torch.cat(outs, 1))))


class KSAC(nn.Module):
    def __init__(self, classes, width, output_stride=16, rates=None):
        super().__init__()
        self.backbone = ResNet(50, width, output_stride)
        self.ksac = KSACHead(ch(512, width) * 4, default_rates(output_stride, rates), width)
        self.classifier = nn.Conv2d(ch(256, width), classes, 1)

    def forward(self, x):
        y = self.ksac(self.backbone(x)[3])
        return up(self.classifier(y), x.shape[2:])


# ------------------------------------------------------------------------------------------------
# PointNet segmentation
# ------------------------------------------------------------------------------------------------


class PointNetSeg(nn.Module):
    def __init__(self, classes, width):
        super().__init__()
        dims = [3, 64, 64, 128, 1024]
        for i in range(1, 5):
            setattr(self, f"conv{i}", nn.Conv1d(ch(dims[i - 1], width) if i > 1 else 3, ch(dims[i], width), 1))
            setattr(self, f"bn{i}", nn.BatchNorm1d(ch(dims[i], width)))
        seg = [ch(64, width) + ch(1024, width), 512, 256, 128]
        for i in range(1, 4):
            cin = seg[0] if i == 1 else ch(seg[i - 1], width)
            setattr(self, f"seg_conv{i}", nn.Conv1d(cin, ch(seg[i], width), 1))
            setattr(self, f"seg_bn{i}", nn.BatchNorm1d(ch(seg[i], width)))
        self.seg_out = nn.Conv1d(ch(128, width), classes, 1)

    def forward(self, x):
        layer = lambda i, v: F.relu(getattr(self, f"bn{i}")(getattr(self, f"conv{i}")(v)))  # noqa: E731
        local = layer(2, layer(1, x))
        g = layer(4, layer(3, local)).max(dim=2, keepdim=True)[0]
        y = torch.cat([local, g.expand(-1, -1, x.shape[2])], 1)
        for i in range(1, 4):
            y = F.relu(getattr(self, f"seg_bn{i}")(getattr(self, f"seg_conv{i}")(y)))
        return self.seg_out(y)


# ------------------------------------------------------------------------------------------------
# Fixtures
# ------------------------------------------------------------------------------------------------


def randomize_bn(model: nn.Module, gen: torch.Generator) -> None:
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = m.num_features
            with torch.no_grad():
                m.weight.copy_(torch.rand(n, generator=gen) + 0.5)
                m.bias.copy_(torch.rand(n, generator=gen) * 0.4 - 0.2)
                m.running_mean.copy_(torch.rand(n, generator=gen) * 0.4 - 0.2)
                m.running_var.copy_(torch.rand(n, generator=gen) + 0.5)


def write_safetensors(path: Path, state: dict) -> None:
    header, blobs, offset = {}, [], 0
    for name, t in state.items():
        if not t.is_floating_point():
            continue  # num_batches_tracked
        data = t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


# name -> (module factory, zoo config, input shape)
FIXTURES = {
    "fcn32s": (lambda: FCN(32, 2, 1 / 64), {"classes": 2, "width": 1 / 64, "inputSize": [32, 32]}),
    "fcn16s": (lambda: FCN(16, 3, 1 / 64), {"classes": 3, "width": 1 / 64, "inputSize": [32, 40]}),
    "fcn8s": (lambda: FCN(8, 3, 1 / 64), {"classes": 3, "width": 1 / 64, "inputSize": [36, 32]}),
    "unet": (lambda: UNet(3, 2), {"classes": 3, "width": 2, "inputSize": [32, 32]}),
    "deeplab_v1": (lambda: DeepLabV1(3, 1 / 32), {"classes": 3, "width": 1 / 32, "inputSize": [33, 41]}),
    "deeplab_v2": (lambda: DeepLabV2(3, 1 / 64), {"classes": 3, "width": 1 / 64, "inputSize": [32, 32]}),
    "deeplab_v3plus_resnet50": (
        lambda: DeepLabV3Plus("resnet50", 3, 1 / 64, 8),
        {"classes": 3, "width": 1 / 64, "inputSize": [32, 32], "outputStride": 8},
    ),
    "deeplab_v3plus_resnet101": (
        lambda: DeepLabV3Plus("resnet101", 3, 1 / 64, 16),
        {"classes": 3, "width": 1 / 64, "inputSize": [32, 32], "outputStride": 16},
    ),
    "deeplab_v3plus_mobilenet_v2": (
        lambda: DeepLabV3Plus("mobilenet_v2", 3, 1 / 16, 16),
        {"classes": 3, "width": 1 / 16, "inputSize": [48, 48], "outputStride": 16},
    ),
    "deeplab_v3plus_xception65": (
        lambda: DeepLabV3Plus("xception65", 3, 1 / 64, 16),
        {"classes": 3, "width": 1 / 64, "inputSize": [32, 32], "outputStride": 16},
    ),
    "gcn": (lambda: GCN(3, 1 / 64), {"classes": 3, "width": 1 / 64, "inputSize": [64, 64]}),
    "ksac": (lambda: KSAC(3, 1 / 64, 16), {"classes": 3, "width": 1 / 64, "inputSize": [32, 32], "outputStride": 16}),
    "pointnet_seg": (lambda: PointNetSeg(4, 1 / 8), {"classes": 4, "width": 1 / 8, "points": 100}),
}


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    manifest = []
    for i, (name, (make, config)) in enumerate(FIXTURES.items()):
        torch.manual_seed(100 + i)
        gen = torch.Generator().manual_seed(200 + i)
        model = make()
        randomize_bn(model, gen)
        model.eval()
        if name == "pointnet_seg":
            shape = [1, 3, config["points"]]
        else:
            shape = [1, 3, *config["inputSize"]]
        x = torch.randn(*shape, generator=gen)
        with torch.no_grad():
            y = model(x)
        write_safetensors(OUT_DIR / f"{name}.safetensors", model.state_dict())
        np.save(OUT_DIR / f"{name}.input.npy", x.numpy().astype(np.float32))
        np.save(OUT_DIR / f"{name}.output.npy", y.numpy().astype(np.float32))
        manifest.append({"name": name, "config": config, "input": list(shape), "output": list(y.shape)})
        print(f"{name}: {sum(p.numel() for p in model.state_dict().values() if p.is_floating_point())} "
              f"floats, output {list(y.shape)}")
    (OUT_DIR / "manifest.json").write_text(json.dumps({"fixtures": manifest}, indent=2) + "\n")


if __name__ == "__main__":
    main()

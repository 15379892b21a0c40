"""Train the card detector (``chile_id_ocr/models/card_mask.py``): a small convolutional network
that marks, on a 256 x 256 copy of a photo, the pixels of an identity card (front or back),
so that the card is found by its own appearance, not by the text around it.

Data: synthetic captures (``chile_id_ocr.synth``), half ``A`` of the generator's world only and
seeds of their own (300000 on: never the benchmark's dev or test seeds), photos, hard captures,
cards on printed pages and a few scans, fronts and backs, each letterboxed to 256 x 256 with the
card's quadrilateral filled as the target mask.

    python training/card_detector.py collect --seeds 300000:304000 --jobs 2 --out /tmp/cards.npz
    python training/card_detector.py train --data /tmp/cards.npz --out src/chile_id_ocr/models/weights/card_mask.onnx

``train`` needs PyTorch (``pip install torch==2.13.0``, CPU); nothing else in the project does.
The product runs the exported ONNX model with ONNX Runtime.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

SIZE = 256  # the network's input side (``card_mask.INPUT``)
STRIDE = 4  # its output is this many times smaller
_KINDS = (("front", "photo"), ("front", "hard"), ("front", "page"), ("back", "photo"), ("back", "hard"),
          ("front", "photo"), ("front", "hard"), ("back", "page"), ("front", "scan"), ("front", "page"))  # fmt: skip


def _collect_one(seed: int) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    from chile_id_ocr.models.card_mask import letterbox
    from chile_id_ocr.synth.generator import generate_back, generate_front

    side, condition = _KINDS[seed % len(_KINDS)]
    make = generate_front if side == "front" else generate_back
    sample = make(seed, condition, domain="A")
    image = cv2.imdecode(np.frombuffer(sample.image, np.uint8), cv2.IMREAD_COLOR)
    boxed, scale = letterbox(image, SIZE)
    mask = np.zeros((SIZE, SIZE), np.uint8)
    quad = np.array(sample.truth["card_quad"], np.float32) * scale
    cv2.fillPoly(mask, [np.round(quad).astype(np.int32)], 1)
    return boxed, mask


def collect(seeds: range, jobs: int, out: Path) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    t0 = time.monotonic()
    images, masks = [], []
    with mp.get_context("spawn").Pool(jobs) as pool:
        for k, (image, mask) in enumerate(pool.imap(_collect_one, seeds, chunksize=4), 1):
            images.append(image)
            masks.append(mask)
            if k % 100 == 0:
                print(f"\r{k}/{len(seeds)} ({(time.monotonic() - t0) / k:.2f} s each)", end="", file=sys.stderr)
    np.savez_compressed(out, images=np.stack(images), masks=np.stack(masks))
    print(f"\nwrote {len(images)} samples to {out}", file=sys.stderr)


def _network():  # torch is imported here only
    import torch
    from torch import nn

    def block(cin: int, cout: int, stride: int) -> nn.Sequential:
        return nn.Sequential(
            nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False),
            nn.BatchNorm2d(cin),
            nn.ReLU(inplace=True),
            nn.Conv2d(cin, cout, 1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )

    class CardMask(nn.Module):
        """An encoder down to 1/32 of the input, decoded back to 1/4 with skips."""

        def __init__(self) -> None:
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True))
            self.d4 = nn.Sequential(block(16, 32, 2), block(32, 32, 1))  # 1/4
            self.d8 = nn.Sequential(block(32, 48, 2), block(48, 48, 1))  # 1/8
            self.d16 = nn.Sequential(block(48, 64, 2), block(64, 64, 1))  # 1/16
            self.d32 = nn.Sequential(block(64, 96, 2), block(96, 96, 1), block(96, 96, 1))  # 1/32
            self.u16 = block(96 + 64, 64, 1)
            self.u8 = block(64 + 48, 48, 1)
            self.u4 = block(48 + 32, 32, 1)
            self.head = nn.Conv2d(32, 1, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            up = nn.functional.interpolate
            s4 = self.d4(self.stem(x))
            s8 = self.d8(s4)
            s16 = self.d16(s8)
            s32 = self.d32(s16)
            x = self.u16(torch.cat([up(s32, scale_factor=2.0, mode="bilinear"), s16], 1))
            x = self.u8(torch.cat([up(x, scale_factor=2.0, mode="bilinear"), s8], 1))
            x = self.u4(torch.cat([up(x, scale_factor=2.0, mode="bilinear"), s4], 1))
            return self.head(x)

    return CardMask()


def train(data: Path, out: Path, epochs: int, threads: int) -> None:
    import torch
    from torch import nn

    torch.manual_seed(0)
    torch.set_num_threads(threads)
    arrays = np.load(data)
    images, masks = arrays["images"], arrays["masks"]
    n = len(images)
    rng = np.random.default_rng(0)
    order = rng.permutation(n)
    held = order[: max(1, n // 20)]  # 5 % held out to watch the fit
    fit = order[len(held) :]
    model = _network()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    steps = epochs * (len(fit) // 32)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=max(steps, 1))
    bce = nn.BCEWithLogitsLoss()

    def batch(rows: np.ndarray, augment: bool) -> tuple[torch.Tensor, torch.Tensor]:
        x = images[rows].astype(np.float32) / 255.0
        y = masks[rows, STRIDE // 2 :: STRIDE, STRIDE // 2 :: STRIDE].astype(np.float32)
        if augment:  # the card at any quarter turn, mirrored, under other light
            k = int(rng.integers(4))
            x, y = np.rot90(x, k, axes=(1, 2)), np.rot90(y, k, axes=(1, 2))
            if rng.random() < 0.5:
                x, y = x[:, :, ::-1], y[:, :, ::-1]
            x = np.clip(x * rng.uniform(0.6, 1.3, (len(rows), 1, 1, 3)) + rng.uniform(-0.1, 0.1), 0, 1)
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32) - 0.5)
        return xt, torch.from_numpy(np.ascontiguousarray(y))[:, None]

    def iou(rows: np.ndarray) -> float:
        model.eval()
        inter = union = 0.0
        with torch.no_grad():
            for start in range(0, len(rows), 64):
                x, y = batch(rows[start : start + 64], False)
                p = (model(x) > 0).float()
                inter += float((p * y).sum())
                union += float(((p + y) > 0).float().sum())
        model.train()
        return inter / max(union, 1.0)

    t0 = time.monotonic()
    for epoch in range(epochs):
        rng.shuffle(fit)
        total = 0.0
        for start in range(0, len(fit) - 31, 32):
            x, y = batch(fit[start : start + 32], True)
            logits = model(x)
            prob = torch.sigmoid(logits)
            dice = 1 - (2 * (prob * y).sum() + 1) / (prob.sum() + y.sum() + 1)
            loss = bce(logits, y) + dice
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss)
        print(f"epoch {epoch + 1}/{epochs}: loss {total / max(len(fit) // 32, 1):.4f}, held-out IoU "
              f"{iou(held):.4f} ({time.monotonic() - t0:.0f} s)", file=sys.stderr)  # fmt: skip
    model.eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model, torch.zeros(1, 3, SIZE, SIZE), str(out), input_names=["image"], output_names=["logits"],
        opset_version=17, dynamo=False,
    )  # fmt: skip
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect", help="generate the training captures")
    c.add_argument("--seeds", default="300000:304000", help="first:last (default 300000:304000)")
    c.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    c.add_argument("--out", type=Path, required=True)
    t = sub.add_parser("train", help="train and export to ONNX")
    t.add_argument("--data", type=Path, required=True)
    t.add_argument("--out", type=Path, required=True)
    t.add_argument("--epochs", type=int, default=20)
    t.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    if args.command == "collect":
        first, last = (int(v) for v in args.seeds.split(":"))
        collect(range(first, last), args.jobs, args.out)
    else:
        train(args.data, args.out, args.epochs, args.threads)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

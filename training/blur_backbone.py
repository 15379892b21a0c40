"""Train the shaken-card backbone (``chile_id_ocr/models/blur_backbone.py``): PP-OCR's recognizer
backbone fine-tuned so that a line crop of a card shaken or blurred by the camera gives the features
the original backbone gives for the same line captured still. Every reader over the backbone's
features (the general classifier, the card head, the card reader) then reads the shaken card
without retraining: the fine-tuning is a distillation, the original backbone on the still capture
teaching the copy on the shaken one.

Data: pairs of the same photo with and without motion blur (``generate_front(..., effects=...)``:
the same pose, scene, light and sensor; the shaken one may also be dark, small, at a slant, glared,
bent, rotated or heavily compressed, the still one keeps all but the blur and the darkness). Both
are cut with the same fit (the design placed on the generator's card corners, jittered as a
located card's are), every line the product reads (``card_reader.front_lines``); each shaken
crop (every view: as captured and deblurred) is kept with the original backbone's features of
the still crop, and the still crop itself (the copy must leave a still line's features alone).
``train`` learns on the view as captured, the one the product reads through the copy.
Generator seeds 210000 and up train; a separate span measures. The product's benchmark seeds are
never used.

    python training/blur_backbone.py collect --seeds 210000:210500 --jobs 2 --out /tmp/blur_train.pkl
    python training/blur_backbone.py collect --seeds 210500:211000 --jobs 2 --out /tmp/blur_train2.pkl
    python training/blur_backbone.py collect --seeds 219000:219040 --jobs 2 --out /tmp/blur_dev.pkl
    python training/blur_backbone.py train --data /tmp/blur_train.pkl --dev /tmp/blur_dev.pkl \\
        --out /tmp/blur_first.npz --epochs 2 --threads 2
    python training/blur_backbone.py train --data /tmp/blur_train.pkl /tmp/blur_train2.pkl \\
        --dev /tmp/blur_dev.pkl --start /tmp/blur_first.npz \\
        --out src/chile_id_ocr/models/weights/blur_backbone.npz --epochs 2 --threads 2
    python training/blur_backbone.py evaluate --model src/chile_id_ocr/models/weights/blur_backbone.npz \\
        --dev /tmp/blur_dev.pkl

``train`` needs PyTorch (the ``train`` extra, CPU build) and onnx2torch (the backbone's graph as a
torch module: ``pip install onnx2torch --no-deps``, its torchvision is not needed); the product
runs the original graph with the fine-tuned weights (``blur_backbone.npz``).
"""

from __future__ import annotations

import pickle
import sys
import time
import types
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from card_reader import _fit, front_lines
from ctc_head import gather, reader_commands

_STEP = 16  # crop widths rounded to this, so that batches hold crops of one width
_OTHERS = 0.25  # each other hard effect joins the motion blur this often
_STILL_DROPS = ("motion_blur", "low_light")


@dataclass
class Pair:
    """One line: the shaken crop and the still one, prepared (48 px high, padded), the original
    backbone's features of the still one, the printed text, the line's name, the shaken card's effects."""

    shaken: np.ndarray  # (48, width, 3) uint8
    still: np.ndarray  # (48, width, 3) uint8
    target: np.ndarray  # (steps, features) float16
    text: str
    name: str
    effects: str
    view: int  # 0: the card as captured, 1: deblurred (``locate/views.card_views``)


def prepared(crop: np.ndarray) -> np.ndarray:
    """A line crop 48 px high, its width rounded to ``_STEP``, padded on the right to at least 160 px
    with mid grey (the recognizer's zero)."""
    import cv2

    from chile_id_ocr.models.ocr import _MIN_REC_WIDTH, _REC_HEIGHT  # as the recognizer takes a crop

    h, w = crop.shape[:2]
    inner = max(_STEP, round(_REC_HEIGHT * w / max(1, h) / _STEP) * _STEP)
    out = np.full((_REC_HEIGHT, max(_MIN_REC_WIDTH, inner), 3), 128, np.uint8)
    out[:, :inner] = cv2.resize(crop, (inner, _REC_HEIGHT))
    return out


def as_input(batch: np.ndarray) -> np.ndarray:
    """Prepared crops (n, 48, width, 3) uint8 as the backbone takes them: channels first, in [-1, 1]."""
    return (batch.transpose(0, 3, 1, 2).astype(np.float32) / 255.0 - 0.5) / 0.5


def _effects(seed: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The shaken capture's hard effects for ``seed`` (motion blur and some others), and the still one's."""
    from chile_id_ocr.synth.capture import HARD_EFFECTS

    rng = np.random.default_rng([seed, 7])
    shaken = tuple(e for e in HARD_EFFECTS if e == "motion_blur" or rng.random() < _OTHERS)
    return shaken, tuple(e for e in shaken if e not in _STILL_DROPS)


def _collect_one(seed: int) -> list[Pair]:
    from chile_id_ocr.models.ocr import get_engine
    from chile_id_ocr.synth import generate_front
    from chile_id_ocr.vision.decode import decode

    engine = get_engine()
    shaken_effects, still_effects = _effects(seed)
    shaken = generate_front(seed, "hard", effects=shaken_effects)
    still = generate_front(seed, "hard", effects=still_effects)
    shaken_pixels, still_pixels = decode(shaken.image).pixels, decode(still.image).pixels
    fit = _fit(still_pixels, still.truth, np.random.default_rng(seed))
    if fit is None or shaken_pixels.shape != still_pixels.shape:
        return []
    out = []
    still_lines = {name: crops[0] for name, _, crops in front_lines(still_pixels, fit, seed)}
    for name, text, crops in front_lines(shaken_pixels, fit, seed):
        still_crop = still_lines[name]
        if text is None or not still_crop.size:
            continue
        calm = prepared(still_crop)
        target = engine._backbone.run(None, {engine._backbone_input: as_input(calm[np.newaxis])})[0][0]
        for view, crop in enumerate(crops):
            if crop.shape == still_crop.shape:
                features = target.astype(np.float16)
                out.append(Pair(prepared(crop), calm, features, text, name, ",".join(shaken_effects), view))
    return out


def collect(seeds: Sequence[int], jobs: int, out: Path) -> None:
    """The pairs of every seed, saved as they come (a run cut short still leaves its lines)."""
    gather(seeds, _collect_one, jobs, out, "fronts", save=_save)


def _save(out: Path, rows: Sequence[Pair]) -> None:
    """As plain tuples (a line's still crop and target are stored once for all its views)."""
    out.write_bytes(pickle.dumps([tuple(vars(row).values()) for row in rows]))


def _load(paths: Sequence[Path], views: tuple[int, ...] = (0, 1)) -> list[Pair]:
    pairs = (Pair(*row) for path in paths for row in pickle.loads(path.read_bytes()))
    return [pair for pair in pairs if pair.view in views]


def _import_onnx2torch() -> Any:
    """onnx2torch, whose optional detection operators import torchvision (not needed here, not installable
    beside the CPU build of torch): a stand-in module satisfies those imports."""
    if "torchvision" not in sys.modules:
        vision = types.ModuleType("torchvision")
        ops = types.ModuleType("torchvision.ops")
        ops.nms = ops.roi_align = ops.batched_nms = None  # type: ignore[attr-defined]
        vision.ops = ops  # type: ignore[attr-defined]
        sys.modules.update({"torchvision": vision, "torchvision.ops": ops})
    import onnx2torch

    return onnx2torch


def torch_backbone() -> tuple[Any, dict[str, str]]:
    """The product's backbone graph as a torch module (its 2x2 'same' padding made explicit, which
    onnx2torch cannot read), and, for each trainable parameter, the ONNX initializer it came from."""
    import onnx
    from onnx import helper

    from chile_id_ocr.models.card_head import backbone_graph

    proto = onnx.load_from_string(backbone_graph())
    for node in proto.graph.node:
        for attr in list(node.attribute):
            if attr.name == "auto_pad" and attr.s == b"SAME_UPPER":
                kernel = next(a.ints for a in node.attribute if a.name == "kernel_shape")
                if list(kernel) != [2, 2]:
                    raise ValueError(f"{node.name}: 'same' padding of a {list(kernel)} kernel")
                node.attribute.remove(attr)
                node.attribute.append(helper.make_attribute("pads", [0, 0, 1, 1]))
    net = _import_onnx2torch().convert(proto)
    nodes = {node.name: node for node in proto.graph.node}
    origin = {}
    for name, _ in net.named_parameters():
        module, kind = name.split(".")[0], name.rsplit(".", 1)[1]
        node = nodes[module.replace("/", ".")]
        origin[name] = node.input[{"weight": 1, "bias": 2}[kind]]
    return net, origin


def _frozen_norms(net: Any) -> None:
    """Training mode with the batch norms' statistics kept (a few crops per batch would unsettle them)."""
    import torch

    net.train()
    for module in net.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.eval()


def _batches(pairs: Sequence[Pair], rng: np.random.Generator, pixels: int = 16 * 320) -> list[list[int]]:
    """Indices of pairs in batches of one width (about ``pixels`` columns each), shuffled."""
    by_width: dict[int, list[int]] = {}
    for i, pair in enumerate(pairs):
        by_width.setdefault(pair.shaken.shape[1], []).append(i)
    batches = []
    for width, rows in by_width.items():
        rows = list(rng.permutation(rows))
        size = max(2, pixels // width)
        batches += [rows[k : k + size] for k in range(0, len(rows), size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def train(
    data: Sequence[Path], dev: Path, out: Path, epochs: int, threads: int, still_share: float, start: Path | None
) -> None:
    """Fine-tune the backbone (from the original weights, or from ``start``'s) for ``epochs``; the weights
    are saved to ``out`` and measured on ``dev`` after each."""
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    pairs = _load(data, views=(0,))  # the view the product reads through it (``locate/views.quad_views``)
    net, origin = torch_backbone()
    if start is not None:
        with np.load(start) as tuned, torch.no_grad():
            for name, p in net.named_parameters():
                p.copy_(torch.from_numpy(tuned[origin[name]].astype(np.float32)))
    rng = np.random.default_rng(0)
    steps = epochs * len(_batches(pairs, rng))
    optimiser = torch.optim.AdamW(net.parameters(), lr=1e-4, weight_decay=1e-5)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=1e-4, total_steps=steps, pct_start=0.1)
    print(f"{len(pairs)} training lines, {steps} steps", flush=True)
    for epoch in range(epochs):
        _frozen_norms(net)
        total, start = 0.0, time.time()
        for k, batch in enumerate(_batches(pairs, rng), 1):
            still = rng.random(len(batch)) < still_share
            x = np.stack([pairs[i].still if s else pairs[i].shaken for i, s in zip(batch, still, strict=True)])
            target = torch.from_numpy(np.stack([pairs[i].target for i in batch]).astype(np.float32))
            loss = torch.nn.functional.mse_loss(net(torch.from_numpy(as_input(x))), target)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            total += loss.item()
            if k % 100 == 0:
                print(f"  epoch {epoch + 1} batch {k}: loss {total / k:.4f} ({time.time() - start:.0f} s)", flush=True)
        save(net, origin, out)
        print(f"epoch {epoch + 1}: loss {total / k:.4f} ({time.time() - start:.0f} s)", flush=True)
        print(markdown(evaluate(out, dev)), flush=True)


def save(net: Any, origin: dict[str, str], out: Path) -> None:
    """The trained parameters as float16, by the ONNX initializer each replaces."""
    weights = {origin[name]: p.detach().numpy().astype(np.float16) for name, p in net.named_parameters()}
    np.savez_compressed(out, **weights)


def evaluate(weights: Path, dev: Path) -> dict[str, dict[str, float]]:
    """Per hard effect, the share of dev lines read exactly by the product's readers (``card_reader._as_read``)
    on: the shaken crop through the original backbone, the same through the fine-tuned one, the still
    crop through the original one (what the distillation aims at) and through the fine-tuned one."""
    from card_reader import _as_read, _reading_engine
    from chile_id_ocr.models.blur_backbone import BlurBackbone
    from chile_id_ocr.models.card_head import backbone_graph, cpu_session

    pairs = _load([dev], views=(0,))
    original = cpu_session(backbone_graph(), 1)
    tuned = BlurBackbone.load(weights, threads=1)
    assert tuned is not None
    engine = _reading_engine("reader", None)

    def feats(session: Any, crop: np.ndarray) -> np.ndarray:
        return session.run(None, {session.get_inputs()[0].name: as_input(crop[np.newaxis])})[0][0]

    table: dict[str, dict[str, list[bool]]] = {}
    for pair in pairs:
        reads = {
            "shaken, original": feats(original, pair.shaken),
            "shaken, tuned": feats(tuned.session, pair.shaken),
            "still, original": pair.target.astype(np.float32),
            "still, tuned": feats(tuned.session, pair.still),
        }
        for group in ["all", *(f"with {e}" for e in pair.effects.split(",") if e != "motion_blur")]:
            row = table.setdefault(group, {})
            for way, features in reads.items():
                row.setdefault(way, []).append(_as_read(engine, pair.name, features).text == pair.text)
    return {g: {w: 100 * float(np.mean(v)) for w, v in row.items()} | {"n": len(row["still, original"])}
            for g, row in table.items()}  # fmt: skip


def markdown(table: dict[str, dict[str, float]]) -> str:
    ways = [w for w in next(iter(table.values())) if w != "n"]
    rows = [
        f"| {g} | {int(row['n'])} | " + " | ".join(f"{row[w]:.1f} %" for w in ways) + " |" for g, row in table.items()
    ]
    return "\n".join([f"| lines | n | {' | '.join(ways)} |", "|---" * (len(ways) + 2) + "|", *rows])


def main(argv: Sequence[str] | None = None) -> int:
    parser, c, t = reader_commands(__doc__ or "", epochs=2, threads=2)
    c.add_argument("--seeds", default="210000:210500", help="first:last")
    t.add_argument("--still-share", type=float, default=0.2, help="share of lines trained on their still crop")
    t.add_argument("--start", type=Path, help="weights to start from (a run's --out) instead of the original ones")
    args = parser.parse_args(argv)
    if args.command == "collect":
        first, last = (int(x) for x in args.seeds.split(":"))
        collect(range(first, last), args.jobs, args.out)
    elif args.command == "train":
        train(args.data, args.dev, args.out, args.epochs, args.threads, args.still_share, args.start)
    else:
        print(markdown(evaluate(args.model, args.dev)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

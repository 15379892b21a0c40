"""Train the card head (``chile_id_ocr/models/card_head.py``): a classifier over the card's
characters on top of PP-OCR's recognizer backbone.

Data: synthetic fronts (``chile_id_ocr.synth``, seeds far from the benchmark's) are read
by the product's own pipeline up to the line crops; each crop's backbone features are
kept with the text printed there. Name and nationality lines take the generator's truth
when the general recognizer read the same letters but for accents and spaces (so the
crop is the right line); the other lines take the general recognizer's reading when it
parses to the truth (so the label keeps the printed punctuation).

    python training/card_head.py collect --seeds 200000:203000 --jobs 16 --out /tmp/lines.npz
    python training/card_head.py train --data /tmp/lines.npz --out src/chile_id_ocr/models/weights/card_head.npz

``train`` needs PyTorch (CPU or CUDA); nothing else in the project does.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np

CONDITIONS = ("scan", "photo", "hard")
_SIGNS = " .-'<,/"


def card_characters(general: Sequence[str]) -> tuple[str, ...]:
    """The blank, then every capital Latin letter (with its accents), digit and sign the general recognizer knows."""
    chosen = []
    for char in general[1:]:
        base = unicodedata.normalize("NFD", char)[0]
        if (char.isupper() and "A" <= base <= "Z") or (char.isdigit() and char.isascii()) or char in _SIGNS:
            chosen.append(char)
    return ("blank", *sorted(set(chosen)))


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.upper())
    return "".join(c for c in decomposed if c.isalnum())


def _label(name: str, read: str, truth: dict) -> str | None:
    from chile_id_ocr.card import dates, document, run
    from chile_id_ocr.card import text as card_text

    surnames = list(truth["surname"])
    printed = {
        "surname_1": surnames[0] if surnames else None,
        "surname_2": surnames[1] if len(surnames) > 1 else None,
        "given_name": truth["given_name"],
        "nationality": truth["nationality"],
    }
    if name in printed:
        want = printed[name]
        return want if want and _plain(want) == _plain(read) else None
    parsed: object = None
    if name in ("birth", "issue_date", "expiry_date"):
        got = dates.parse(read)
        parsed = got.text if got else None
    elif name == "document_number":
        got_doc = document.parse(read)
        parsed = got_doc.value if got_doc else None
    elif name == "sex":
        parsed = card_text.parse_sex(read)
    elif name in ("run_small", "run_large"):
        got_run = run.parse(read)
        parsed = got_run.formatted if got_run else None
        name = "number"
    return read.strip() if parsed is not None and parsed == truth[name] else None


def _init_worker() -> None:
    os.environ["CHILE_ID_OCR_THREADS"] = "1"


def _collect_one(job: tuple[int, str]) -> list[tuple[np.ndarray, str, str]]:
    from chile_id_ocr.card.layouts import FRONT_2013
    from chile_id_ocr.errors import RecognitionError
    from chile_id_ocr.locate.front import find_card
    from chile_id_ocr.locate.scene import Scene
    from chile_id_ocr.locate.views import card_views
    from chile_id_ocr.models.ocr import get_engine
    from chile_id_ocr.read.front import line_crops
    from chile_id_ocr.synth import generate_front
    from chile_id_ocr.vision.decode import decode

    seed, condition = job
    engine = get_engine()
    sample = generate_front(seed, condition)
    try:
        pixels = decode(sample.image).pixels
        fit = find_card(Scene(pixels, engine), FRONT_2013)
    except RecognitionError:
        return []
    out = []
    for name, (views, _, _) in line_crops(card_views(pixels, fit), fit, FRONT_2013).items():
        for crop in views:  # the card as captured, and deblurred when smeared
            if crop.size == 0:
                continue
            read = engine.read([crop])[0].text
            label = _label(name, read, sample.truth["result"])
            if label:
                out.append((engine.features(crop).astype(np.float16), label, name))
    return out


def collect(seeds: range, jobs: int, out: Path) -> None:
    work = [(seed, CONDITIONS[seed % len(CONDITIONS)]) for seed in seeds]
    rows: list[tuple[np.ndarray, str, str]] = []
    start = time.time()
    with mp.get_context("spawn").Pool(jobs, initializer=_init_worker) as pool:
        for i, lines in enumerate(pool.imap_unordered(_collect_one, work, chunksize=4), 1):
            rows.extend(lines)
            if i % 200 == 0:
                print(f"  {i}/{len(work)} cards, {len(rows)} lines, {time.time() - start:.0f} s", flush=True)
    lengths = np.array([len(f) for f, _, _ in rows], np.int32)
    np.savez(
        out,
        features=np.concatenate([f for f, _, _ in rows]),
        lengths=lengths,
        labels=np.array([label for _, label, _ in rows]),
        names=np.array([name for _, _, name in rows]),
    )
    print(f"{len(rows)} lines from {len(work)} cards -> {out}")


def _general_head() -> tuple[np.ndarray, np.ndarray, list[str]]:
    from chile_id_ocr.models.card_head import general_classifier

    general = general_classifier()
    return general.weight, general.bias, list(general.characters)


def train(data: Path, out: Path, epochs: int, device: str) -> None:
    import torch

    from chile_id_ocr.models.card_head import CardHead, ctc_greedy

    arrays = np.load(data)
    lengths = arrays["lengths"]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    features = arrays["features"].astype(np.float32)
    labels = [str(x) for x in arrays["labels"]]
    names = [str(x) for x in arrays["names"]]
    weight, bias, general = _general_head()
    chars = card_characters(general)
    index = {c: i for i, c in enumerate(chars)}
    keep = [i for i, label in enumerate(labels) if all(c in index for c in label)]
    rng = np.random.default_rng(0)
    rng.shuffle(keep)
    held = keep[: len(keep) // 10]
    train_rows = keep[len(keep) // 10 :]
    print(f"{len(train_rows)} training lines, {len(held)} held out, {len(chars)} classes")

    cols = [general.index(c) if c != "blank" else 0 for c in chars]
    layer = torch.nn.Linear(weight.shape[0], len(chars)).to(device)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(weight[:, cols].T.copy()))
        layer.bias.copy_(torch.from_numpy(bias[cols].copy()))
    optimiser = torch.optim.Adam(layer.parameters(), lr=2e-3)
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    feats = torch.from_numpy(features).to(device)

    def batch(rows: list[int]) -> tuple:
        t = int(lengths[rows].max())
        x = torch.zeros(len(rows), t, features.shape[1], device=device)
        for j, r in enumerate(rows):
            x[j, : lengths[r]] = feats[starts[r] : starts[r] + lengths[r]]
        targets = torch.tensor([index[c] for r in rows for c in labels[r]], device=device)
        target_lengths = torch.tensor([len(labels[r]) for r in rows], device=device)
        return x, torch.from_numpy(lengths[rows]).to(device), targets, target_lengths

    def accuracy(rows: list[int]) -> dict[str, float]:
        head = CardHead(layer.weight.detach().cpu().numpy().T.copy(), layer.bias.detach().cpu().numpy(), chars)
        right: dict[str, list[int]] = {}
        for r in rows:
            probs = head.probabilities(features[starts[r] : starts[r] + lengths[r]])
            right.setdefault(names[r], []).append(ctc_greedy(probs, chars)[0] == labels[r])
        return {name: float(np.mean(v)) for name, v in sorted(right.items())}

    print("before:", accuracy(held))
    for epoch in range(epochs):
        rng.shuffle(train_rows)
        total = 0.0
        for k in range(0, len(train_rows), 256):
            x, x_len, y, y_len = batch(train_rows[k : k + 256])
            log_probs = torch.log_softmax(layer(x), dim=2).transpose(0, 1)  # (time, batch, classes)
            loss = ctc(log_probs, y, x_len, y_len)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item()
        print(f"epoch {epoch + 1}: loss {total / max(1, len(train_rows) // 256):.4f}", flush=True)
    print("after:", accuracy(held))
    head = CardHead(layer.weight.detach().cpu().numpy().T.copy(), layer.bias.detach().cpu().numpy(), chars)
    head.save(out)
    print(f"card head -> {out}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--seeds", default="200000:203000", help="first:last (default 200000:203000)")
    c.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    c.add_argument("--out", type=Path, required=True)
    t = sub.add_parser("train")
    t.add_argument("--data", type=Path, required=True)
    t.add_argument("--out", type=Path, required=True)
    t.add_argument("--epochs", type=int, default=8)
    t.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    if args.command == "collect":
        first, last = (int(x) for x in args.seeds.split(":"))
        collect(range(first, last), args.jobs, args.out)
    else:
        train(args.data, args.out, args.epochs, args.device)
    return 0


if __name__ == "__main__":
    sys.exit(main())

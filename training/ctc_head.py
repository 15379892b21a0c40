"""What the readers' training scripts share: line crops' backbone features saved and loaded, a
CTC head (``mrz_reader._Head``) fitted on them, and its ONNX export (``card_reader.py``; the
MRZ reader's ``mrz_reader.py`` trains the same head)."""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from mrz_reader import _Head, _init_worker

# Per row: the features (time, features) and then its strings (text, condition, ...), named by ``COLUMNS``.
COLUMNS = ("labels", "conditions", "names", "effects")


def reader_commands(doc: str, epochs: int, threads: int) -> tuple[argparse.ArgumentParser, Any, Any]:
    """A reader's training script's command line: ``collect`` (``--jobs``, ``--out``; the caller adds
    what it collects), ``train`` (one or more collections, the dev lines, the model out) and
    ``evaluate``. Returns the parser and the ``collect`` and ``train`` commands'."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--jobs", type=int, default=1)
    c.add_argument("--out", type=Path, required=True)
    t = sub.add_parser("train")
    t.add_argument("--data", type=Path, nargs="+", required=True, help="one or more collections")
    t.add_argument("--dev", type=Path, required=True)
    t.add_argument("--out", type=Path, required=True)
    t.add_argument("--epochs", type=int, default=epochs)
    t.add_argument("--threads", type=int, default=threads)
    e = sub.add_parser("evaluate")
    e.add_argument("--model", type=Path, required=True)
    e.add_argument("--dev", type=Path, required=True)
    return parser, c, t


def gather(
    work: Sequence[Any],
    collect_one: Callable[[Any], list[Any]],
    jobs: int,
    out: Path,
    what: str,
    save: Callable[[Path, Sequence[Any]], None] | None = None,
) -> None:
    """The rows ``collect_one`` gives for each item of ``work`` (in ``jobs`` single-threaded processes),
    saved to ``out`` (by ``save``, default ``save_lines``) as they come (a run cut short still leaves
    its lines) and at the end."""
    save = save or save_lines
    rows: list[Any] = []
    start = time.time()
    with mp.get_context("spawn").Pool(jobs, initializer=_init_worker) as pool:
        for i, lines in enumerate(pool.imap_unordered(collect_one, work, chunksize=2), 1):
            rows.extend(lines)
            if i % 50 == 0:
                save(out, rows)
                print(f"  {i}/{len(work)} {what}, {len(rows)} lines, {time.time() - start:.0f} s", flush=True)
    save(out, rows)
    print(f"{len(rows)} lines from {len(work)} {what} -> {out}")


def save_lines(out: Path, rows: Sequence[tuple[Any, ...]]) -> None:
    """Rows of (features, text, condition, line name, effects) as one ``.npz``."""
    np.savez(
        out,
        features=np.concatenate([r[0] for r in rows]),
        lengths=np.array([len(r[0]) for r in rows], np.int32),
        **{key: np.array([r[k + 1] for r in rows]) for k, key in enumerate(COLUMNS)},
    )


def load_lines(path: Path) -> tuple[list[np.ndarray], dict[str, list[str]]]:
    """The features of each line (float32) and its strings by column."""
    arrays = np.load(path)
    ends = np.cumsum(arrays["lengths"])
    features = np.split(arrays["features"].astype(np.float32), ends[:-1])
    return features, {key: [str(x) for x in arrays[key]] for key in COLUMNS}


def fit_ctc_head(
    features: list[np.ndarray], labels: list[str], classes: Sequence[str], epochs: int, threads: int
) -> Any:
    """A ``_Head`` fitted by CTC on the lines (blank: class 0), with feature noise and dropout on half
    the lines of each batch (robustness beyond the rendered conditions); seeded, so reproducible."""
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    index = {c: i for i, c in enumerate(classes)}
    model = _Head.build(features[0].shape[1], len(classes))
    batch = 64
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=3e-3, total_steps=epochs * ((len(labels) + batch - 1) // batch)
    )
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    rng = np.random.default_rng(0)
    order = np.arange(len(labels))
    print(f"{len(labels)} training lines, {sum(p.numel() for p in model.parameters())} parameters", flush=True)
    for epoch in range(epochs):
        rng.shuffle(order)
        total, start = 0.0, time.time()
        model.train()
        for k in range(0, len(order), batch):
            rows = order[k : k + batch]
            lengths = [len(features[r]) for r in rows]
            x = torch.zeros(len(rows), max(lengths), features[0].shape[1])
            for j, r in enumerate(rows):
                feats = torch.from_numpy(features[r])
                if rng.random() < 0.5:
                    feats = feats * (torch.rand_like(feats) > 0.1) + 0.1 * torch.randn_like(feats)
                x[j, : lengths[j]] = feats
            y = torch.tensor([index[c] for r in rows for c in labels[r]], dtype=torch.long)
            log_probs = model.log_probs(x).transpose(0, 1)
            loss = ctc(log_probs, y, torch.tensor(lengths), torch.tensor([len(labels[r]) for r in rows]))
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimiser.step()
            schedule.step()
            total += loss.item() * len(rows)
        print(f"epoch {epoch + 1}: loss {total / len(labels):.4f} ({time.time() - start:.0f} s)", flush=True)
    model.eval()
    return model


def export(model: Any, features: int, out: Path, metadata: dict[str, str] | None = None) -> None:
    """The head as an ONNX graph: features (1, time, features) in, probabilities (1, time, classes) out."""
    import onnx
    import torch

    torch.onnx.export(
        model, (torch.zeros(1, 80, features),), str(out), input_names=["features"],
        output_names=["probabilities"], dynamic_axes={"features": {1: "time"}, "probabilities": {1: "time"}},
        opset_version=17, dynamo=False,
    )  # fmt: skip
    if metadata:
        proto = onnx.load(str(out))
        for key, value in metadata.items():
            proto.metadata_props.add(key=key, value=value)
        onnx.save(proto, str(out))
    print(f"-> {out} ({out.stat().st_size // 1024} KB)")

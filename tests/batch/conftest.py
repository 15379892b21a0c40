"""Fixtures of the batch tests: a few small real and generated cards, manifests, the local engine's records."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from batch_support import Cards, Run
from chile_id_ocr.batch import Job, run_job
from chile_id_ocr.synth.generator import generate_back, generate_front


@pytest.fixture(scope="session")
def cards(real: Path, tmp_path_factory: pytest.TempPathFactory) -> Cards:
    root = tmp_path_factory.mktemp("batch-cards")
    folder = root / "images"
    folder.mkdir()
    for name in ("specimen_front.jpg", "specimen_back.jpg"):
        shutil.copy(real / name, folder / name)
    for sample, stem in ((generate_front(11, "scan", real / "specimen_front.jpg"), "scan_front"),
                         (generate_back(11, "scan"), "scan_back")):  # fmt: skip
        (folder / f"{stem}.{sample.ext}").write_bytes(sample.image)
    (folder / "notes.png").write_text("not an image")
    pairs = root / "pairs.csv"
    pairs.write_text(
        "id,front,back\n"
        f"specimen-both-sides,{folder / 'specimen_front.jpg'},images/specimen_back.jpg\n"
        "missing,images/no_such_card.jpg,\n"
    )
    url_manifest = root / "url.jsonl"
    url_manifest.write_text(json.dumps({"id": "by-url", "front": "images/specimen_front.jpg"}) + "\n")
    return Cards(folder, pairs, url_manifest.as_uri())


@pytest.fixture(scope="session")
def local_run(cards: Cards, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The local engine (two workers) over ``cards``, with details: the reference the other tests compare to."""
    out = tmp_path_factory.mktemp("batch-local") / "records.jsonl"
    summary = run_job(Job(inputs=cards.inputs, out=str(out), details=True, workers=2, progress="none"))
    records = [json.loads(line) for line in out.read_text().splitlines()]
    return Run({record["id"]: record for record in records}, summary)

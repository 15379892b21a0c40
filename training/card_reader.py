"""Train the card reader (``chile_id_ocr/models/card_reader.py``): a small convolutional and
recurrent head over PP-OCR's recognizer backbone that reads the characters a card front prints
(capitals with their accents, digits, the signs), values and printed labels alike.

Data: synthetic fronts (``chile_id_ocr.synth``) in every condition (scan, photo, hard: blur,
low light, small cards, perspective, glare, JPEG) and both domains, cut the way the product cuts
them: the design is fitted on the generator's card corners, jittered as a located card's are
(``Scene.fit``: the product's fit of a candidate, its detected lines placed on the design,
without the confirmation, so the hard captures the product refuses are cut too); for the dev
lines the product finds the card itself (``locate/front.find_card``), the truth's corners
standing in where it refuses or misplaces it. Then each value line is cut as
``read/front/crops.line_crops`` cuts it and each printed label and title as
``locate/confirm.py`` does, from every view of the card (as captured, and deblurred when
smeared); the text is what the generator printed there. Each crop's backbone features are kept
(float16) with that text. Generator seeds 200000 and up train; the benchmark's dev seeds (5000
and up) measure, per condition and hard effect, the general classifier, the card head and the
reader on the same crops.

    python training/card_reader.py collect --seeds 202000:202150,203200:203300,204400:204500 \
        --jobs 1 --out /tmp/card_train.npz
    python training/card_reader.py collect --seeds 5000:5060 --jobs 1 --out /tmp/card_dev.npz --dev
    python training/card_reader.py train --data /tmp/card_train.npz --dev /tmp/card_dev.npz \
        --out src/chile_id_ocr/models/weights/card_reader.onnx --epochs 12 --threads 1
    python training/card_reader.py evaluate --model src/chile_id_ocr/models/weights/card_reader.onnx \
        --dev /tmp/card_dev.npz

``train`` needs PyTorch (the ``train`` extra, CPU build); the product runs the exported ONNX.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ctc_head import COLUMNS, export, fit_ctc_head, gather, load_lines, reader_commands

TRAIN_CONDITIONS = ("scan", "photo", "hard", "hard")  # hard captures twice as often
DEV_CONDITIONS = ("scan", "photo", "hard")
# A product fit whose corners are all within this share of the card's width of the truth's is the card.
_SAME_CARD = 0.03
_JITTER = 0.004  # of the card's width: the truth's corners moved as a located card's are

Row = tuple[np.ndarray, str, str, str, str]  # features, text, condition, line name, hard effects


def _printed(seed: int) -> tuple[dict[str, str], bool]:
    """What the generator printed on the front of ``seed``: each value line's text, and whether it is a foreigner's."""
    from chile_id_ocr.synth.identities import random_identity
    from chile_id_ocr.synth.render import slot_texts

    identity = random_identity(random.Random(f"identity-{seed}"))
    texts = slot_texts(identity)
    texts["run_large"] = texts.pop("run_big")
    return texts, identity.foreigner


def _run_label(run: str, box_x0: float) -> str | None:
    """The large RUN's text in a crop starting at ``box_x0``: with the card's own 'RUN' word where
    the crop holds it, without where it starts past it, None in between (half a word)."""
    from chile_id_ocr.synth.template import LABEL_RUN_BOX, prepared_template

    tpl = prepared_template(None)
    x0, x1 = (v * tpl.scale / tpl.size[0] for v in (LABEL_RUN_BOX[0], LABEL_RUN_BOX[2]))
    if box_x0 < x0 + 0.25 * (x1 - x0):
        return f"RUN {run}"
    return run if box_x0 > x1 - 0.005 else None


def _fit(pixels: np.ndarray, truth: dict, rng: np.random.Generator | None):  # type: ignore[no-untyped-def]
    """Without ``rng`` (dev), the product's fit of the card where it finds the card itself, else the
    design fitted on the truth's corners; with ``rng`` (training), the design fitted on the truth's
    corners jittered (the search for a hard capture the product refuses costs several seconds, and
    its fit is the same fit on nearly the same corners). None where no fit places the design."""
    from chile_id_ocr.card.layouts import FRONT_2013
    from chile_id_ocr.errors import RecognitionError
    from chile_id_ocr.locate.front import find_card
    from chile_id_ocr.locate.scene import Scene
    from chile_id_ocr.models.ocr import get_engine

    quad = np.array(truth["card_quad"], np.float32) * (pixels.shape[1] / truth["image_size"][0])
    width = float(np.linalg.norm(quad[1] - quad[0]))
    scene = Scene(pixels, get_engine().for_one_image())
    if rng is not None:
        return scene.fit(quad + rng.normal(0, _JITTER * width, quad.shape).astype(np.float32), FRONT_2013)
    try:
        fit = find_card(scene, FRONT_2013)
    except RecognitionError:
        fit = None
    if fit is not None and np.abs(fit.quad - quad).max() < _SAME_CARD * width:
        return fit
    return scene.fit(quad, FRONT_2013)


def front_lines(pixels: np.ndarray, fit, seed: int) -> list[tuple[str, str | None, tuple[np.ndarray, ...]]]:  # type: ignore[no-untyped-def]
    """Each line the product reads on the front of ``seed`` fitted by ``fit`` (values, labels, titles,
    the foreigners' mark): its name, what the generator printed there (None: half a word) and its
    crop from every view of the card."""
    from chile_id_ocr.card.layouts import FRONT_2013
    from chile_id_ocr.locate.confirm import _extent
    from chile_id_ocr.locate.fit import match_lines
    from chile_id_ocr.locate.views import card_views, crop_box
    from chile_id_ocr.read.front import line_crops

    texts, foreigner = _printed(seed)
    views = card_views(pixels, fit)
    lines: list[tuple[str, str | None, tuple[np.ndarray, ...]]] = []
    for name, (crops, box, _) in line_crops(views, fit, FRONT_2013).items():
        label = _run_label(texts[name], box[0]) if name == "run_large" else texts.get(name, "")
        lines.append((name, label, crops))
    anchors = [*FRONT_2013.anchors, *FRONT_2013.marks]
    boxes = {spec.name: box for box, spec in match_lines(list(fit.boxes), tuple(anchors))}
    for spec in anchors:
        label = spec.text if spec.name != "mark_extranjero" or foreigner else ""
        lines.append((spec.name, label, crop_box(views, _extent(spec, boxes.get(spec.name)))))
    return lines


def _collect_one(job: tuple[int, str, bool]) -> list[Row]:
    """Per line crop (values, labels, titles, the foreigners' mark; every view): features, printed
    text, condition, line name, hard effects."""
    from chile_id_ocr.models.ocr import get_engine
    from chile_id_ocr.synth import generate_front
    from chile_id_ocr.vision.decode import decode

    seed, condition, dev = job
    engine = get_engine()
    sample = generate_front(seed, condition)
    pixels = decode(sample.image).pixels
    fit = _fit(pixels, sample.truth, None if dev else np.random.default_rng(seed))
    if fit is None:
        return []
    effects = ",".join(sample.truth["capture"].get("effects") or ())
    out = []
    for name, label, crops in front_lines(pixels, fit, seed):
        for crop in crops:
            if label is not None and crop.size:
                out.append((engine.features(crop).astype(np.float16), label, condition, name, effects))
    return out


def collect(seeds: Sequence[int], jobs: int, out: Path, dev: bool) -> None:
    if dev:  # every dev seed in every condition, as bench/accuracy.py draws them
        work = [(seed, cond, True) for seed in seeds for cond in DEV_CONDITIONS]
    else:
        work = [(seed, TRAIN_CONDITIONS[seed % len(TRAIN_CONDITIONS)], False) for seed in seeds]
    gather(work, _collect_one, jobs, out, "fronts")


_WORD_LINES = ("surname_1", "surname_2", "given_name", "nationality")  # read by ``read_card``, as the product does


def _reading_engine(mix: str, model: Path | None):  # type: ignore[no-untyped-def]
    """An ``OcrEngine`` reading ``mix`` whose "crops" are backbone features already computed."""
    from chile_id_ocr.models.card_reader import CardReader
    from chile_id_ocr.models.ocr import OcrEngine

    class Stored(OcrEngine):
        def features(self, crop: np.ndarray) -> np.ndarray:
            return crop

    return Stored(1, mix, CardReader(model) if model is not None and mix != "head" else None)


def _as_read(engine, name: str, features: np.ndarray, alone: bool = False):  # type: ignore[no-untyped-def]
    """How the product reads line ``name`` (``read/front/reader.py``, ``locate/confirm.py``);
    ``alone``: the words too by the engine's card reader alone, over all its characters."""
    from chile_id_ocr.card.layouts import FRONT_2013
    from chile_id_ocr.locate.confirm import _LABEL_ALPHABET
    from chile_id_ocr.models.card_head import ctc_greedy
    from chile_id_ocr.models.ocr import PRINTED, TextRead

    if name in _WORD_LINES and alone:
        return TextRead(*ctc_greedy(engine._reader[0].probabilities(features), PRINTED))
    if name in _WORD_LINES:
        return engine.read_card([features])[0]
    spec = next(s for s in (*FRONT_2013.lines, *FRONT_2013.marks) if s.name == name)
    return engine.read([features], spec.alphabet if spec.is_value else _LABEL_ALPHABET)[0]


_SURE = 0.9  # a line read this surely and wrong is a silent error in the making


def evaluate(model: Path, dev: Path) -> dict[str, dict[str, tuple[float, float, int]]]:
    """Per condition, hard effect and kind of line: for the general classifier (free), the product
    before the reader (card head for words, general restricted to the line's alphabet), the reader
    alone (over the line's alphabet) and the product now (``ocr._MIX``), the share of dev lines read
    exactly, the share of lines read at >= 0.9 that are wrong, and the count."""
    from chile_id_ocr.models.ocr import _MIX

    features, columns = load_lines(dev)
    before, reader, now = (_reading_engine(mix, model) for mix in ("head", "reader", _MIX))
    table: dict[str, dict[str, list[tuple[bool, bool]]]] = {}
    for f, label, cond, name, effects in zip(features, *(columns[k] for k in COLUMNS), strict=True):
        reads = {
            "general": before.read([f])[0],
            "head": _as_read(before, name, f),
            "reader": _as_read(reader, name, f, alone=True),
            "now": _as_read(now, name, f),
        }
        kind = "labels" if name.startswith(("label_", "title_", "mark_")) else "values"
        groups = [cond, f"{cond}, {kind}", *(f"hard: {e}" for e in effects.split(",") if e)]
        for group in groups:
            row = table.setdefault(group, {})
            for mix, read in reads.items():
                row.setdefault(mix, []).append((read.text == label, read.score >= _SURE and read.text != label))
    return {
        group: {mix: (100 * float(np.mean([r for r, _ in v])), 100 * float(np.mean([w for _, w in v])), len(v))
                for mix, v in row.items()}
        for group, row in sorted(table.items(), key=lambda kv: (kv[0].startswith("hard:"), kv[0]))
    }  # fmt: skip


MIX_COLUMNS = {
    "general": "general classifier",
    "head": "before: card head (words), general over the alphabet (others)",
    "reader": "card reader alone",
    "now": "now: card head (words), card reader (others)",
}


def markdown(table: dict[str, dict[str, tuple[float, float, int]]]) -> str:
    """Lines read exactly (and wrong at >= 0.9) per group, one column per way of reading."""
    head = "| lines | n | " + " | ".join(MIX_COLUMNS.values()) + " |"
    rows = [
        f"| {group} | {next(iter(row.values()))[2]} | "
        + " | ".join(f"{row[m][0]:.1f} % ({row[m][1]:.1f} %)" for m in MIX_COLUMNS)
        + " |"
        for group, row in table.items()
    ]
    return "\n".join([head, "|---" * (len(MIX_COLUMNS) + 2) + "|", *rows])


def train(data: Sequence[Path], dev: Path, out: Path, epochs: int, threads: int) -> None:
    from chile_id_ocr.models.ocr import PRINTED

    features, columns = load_lines(data[0])
    for more in data[1:]:
        extra, extra_columns = load_lines(more)
        features += extra
        columns = {key: columns[key] + extra_columns[key] for key in COLUMNS}
    keep = [i for i, label in enumerate(columns["labels"]) if set(label) <= set(PRINTED[1:])]
    print(f"{len(features) - len(keep)} lines print characters outside the reader's; left out")
    lines = [features[i] for i in keep]
    model = fit_ctc_head(lines, [columns["labels"][i] for i in keep], PRINTED, epochs, threads)
    export(model, lines[0].shape[1], out, {"characters": "".join(PRINTED[1:])})
    print(markdown(evaluate(out, dev)))


def main(argv: Sequence[str] | None = None) -> int:
    parser, c, _ = reader_commands(__doc__ or "", epochs=12, threads=1)
    c.add_argument("--seeds", default="202000:202150,203200:203300,204400:204500", help="first:last[,first:last...]")
    c.add_argument("--dev", action="store_true", help="every seed in every condition, no jitter")
    args = parser.parse_args(argv)
    if args.command == "collect":
        spans = [[int(x) for x in span.split(":")] for span in args.seeds.split(",")]
        collect([seed for first, last in spans for seed in range(first, last)], args.jobs, args.out, args.dev)
    elif args.command == "train":
        train(args.data, args.dev, args.out, args.epochs, args.threads)
    else:
        print(markdown(evaluate(args.model, args.dev)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

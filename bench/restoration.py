"""What restoring the located card (deblurring, brightening, denoising, upscaling) does for hard
captures, per effect: fields right and CPU milliseconds per card.

    python bench/restoration.py [--side front] [--split dev] [--n 80] [--offset 0]
                                [--variants baseline,no_deblur,...] [--effects low_light,...]

Each variant is the product with one stage swapped (``VARIANTS``); the same cards (the split's
``hard`` captures, only those with one of ``--effects`` when given) are read by each, and the
table gives, per effect, the share of fields right, of whole cards right, the fields returned
wrong with a confidence >= 0.9, and the mean CPU time of ``recognize`` per card. A capture with
several effects counts in each. Prints markdown; the study's record is in BENCHMARKS.md
(``bench:restoration-dev``), written by hand from these tables.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

import numpy as np

import report

Patch = tuple[str, str, Any]  # module, attribute, replacement


def _no_deblur() -> list[Patch]:
    def none(_image: np.ndarray) -> None:
        return None

    return [(m, "deblurred", none) for m in ("locate.fit", "locate.front", "locate.views")]


def _views_with(restore: Callable[[np.ndarray], np.ndarray | None], extra: bool) -> list[Patch]:
    """``locate.views.quad_views`` with ``restore`` applied to the rectified card: the restored
    card replaces it (and its deblurred copy is made from it), or is read as one more view."""
    from chile_id_ocr.locate import views

    def quad_views(image: np.ndarray, quad: np.ndarray) -> tuple[np.ndarray, ...]:
        card = views.rectify(image, quad, views.READ_WIDTH, views.READ_HEIGHT)
        better = restore(card)
        if better is not None and not extra:
            card = better
        sharper = views.deblurred(card)
        out = (card,) if sharper is None else (card, sharper)
        return out + ((better,) if better is not None and extra else ())

    return [("locate.views", "quad_views", quad_views)]


def _rectified_cubic() -> list[Patch]:
    """``locate.views.quad_views`` rectifying with cubic interpolation where the card is enlarged."""
    import cv2

    from chile_id_ocr.locate import views

    def quad_views(image: np.ndarray, quad: np.ndarray) -> tuple[np.ndarray, ...]:
        w, h = views.READ_WIDTH, views.READ_HEIGHT
        q = np.asarray(quad, np.float32)
        side = max(np.linalg.norm(q[1] - q[0]), np.linalg.norm(q[2] - q[3]))
        if side >= w:
            card = views.rectify(image, quad, w, h)
        else:
            dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
            matrix = cv2.getPerspectiveTransform(q, dst)
            card = cv2.warpPerspective(image, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
        sharper = views.deblurred(card)
        return (card,) if sharper is None else (card, sharper)

    return [("locate.views", "quad_views", quad_views)]


def _interpolation(flag: int) -> list[Patch]:
    """The recognizer's line crops resized to its 48 px with ``flag`` (``models/ocr._prepare``)."""
    import cv2

    from chile_id_ocr.models import ocr

    real = cv2.resize

    class _Cv2:
        def __getattr__(self, name: str) -> Any:
            return getattr(cv2, name)

        @staticmethod
        def resize(src: np.ndarray, size: tuple[int, int], *args: Any, **kwargs: Any) -> np.ndarray:
            if not args and not kwargs:
                return real(src, size, interpolation=flag)
            return real(src, size, *args, **kwargs)

    assert ocr.cv2 is cv2
    return [("models.ocr", "cv2", _Cv2())]


def brightness(card: np.ndarray) -> float:
    """The card's paper: the 90th percentile of its grey levels (its print is darker)."""
    import cv2

    return float(np.percentile(cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)[::2, ::2], 90))


def noise_sigma(card: np.ndarray) -> float:
    """The grey levels' noise (Immerkaer's kernel, which cancels planes; the median of its response)."""
    import cv2

    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    gray = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY).astype(np.float32)
    return float(np.median(np.abs(cv2.filter2D(gray, -1, kernel))[1:-1, 1:-1]) / 0.6745 / 6.0)


def _gated(gate: Callable[[np.ndarray], bool], fn: Callable[[np.ndarray], np.ndarray]) -> Callable[..., Any]:
    return lambda card: fn(card) if gate(card) else None


def _variants() -> dict[str, Callable[[], list[Patch]]]:
    import cv2

    def noisy(card: np.ndarray) -> bool:
        return noise_sigma(card) >= 3.0

    def dark(card: np.ndarray) -> bool:
        return brightness(card) < 200

    def clahe(card: np.ndarray) -> np.ndarray:
        lab = cv2.cvtColor(card, cv2.COLOR_BGR2LAB)
        lab[..., 0] = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(lab[..., 0])
        return cv2.cvtColor(lab, cv2.COLOR_LAB2BGR)

    def gamma(card: np.ndarray) -> np.ndarray:
        top = max(1.0, float(np.percentile(card, 95)))
        lut = np.clip(255 * (np.arange(256) / top) ** 0.8, 0, 255).astype(np.uint8)
        return cv2.LUT(card, lut)

    def nlm(card: np.ndarray) -> np.ndarray:
        sigma = noise_sigma(card)
        return cv2.fastNlMeansDenoisingColored(card, None, 1.2 * sigma, 1.2 * sigma, 5, 15)

    def smooth(card: np.ndarray) -> np.ndarray:
        return cv2.bilateralFilter(card, 5, 4 * noise_sigma(card), 3)

    def gauss(card: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(card, (0, 0), 0.8)

    return {
        "baseline": list,
        "no_deblur": _no_deblur,
        "shake_4_scales": lambda: [("vision.blind", "_LEVELS", 4)],
        "no_shake": lambda: [("locate.views", "shake_deblurred", lambda _card: None)],
        "clahe": lambda: _views_with(_gated(dark, clahe), extra=False),
        "gamma": lambda: _views_with(_gated(dark, gamma), extra=False),
        "nlm": lambda: _views_with(_gated(noisy, nlm), extra=False),
        "nlm_view": lambda: _views_with(_gated(noisy, nlm), extra=True),
        "bilateral": lambda: _views_with(_gated(noisy, smooth), extra=False),
        "gauss": lambda: _views_with(_gated(noisy, gauss), extra=False),
        "rect_cubic": _rectified_cubic,
        "rec_cubic": lambda: _interpolation(cv2.INTER_CUBIC),
        "rec_lanczos": lambda: _interpolation(cv2.INTER_LANCZOS4),
        "rec_area": lambda: _interpolation(cv2.INTER_AREA),
    }


@contextmanager
def patched(patches: Sequence[Patch]) -> Iterator[None]:
    import importlib

    with ExitStack() as stack:
        for module_name, attr, value in patches:
            module = importlib.import_module(f"chile_id_ocr.{module_name}")
            old = getattr(module, attr)
            setattr(module, attr, value)
            stack.callback(setattr, module, attr, old)
        yield


def _samples(args: argparse.Namespace) -> list[tuple[bytes, dict[str, Any]]]:
    from chile_id_ocr.synth.generator import generate_back, generate_front

    make = generate_front if args.side == "front" else generate_back
    first = {"dev": 5000, "test": 100000}[args.split] + args.offset
    out = []
    for seed in range(first, first + args.n):
        sample = make(seed, "hard")
        effects = sample.truth["capture"]["effects"]
        wanted = not args.seeds or str(seed) in args.seeds.split(",")
        if wanted and (not args.effects or set(effects) & set(args.effects)):
            out.append((sample.image, sample.truth))
    return out


def score(variant: str, samples: list[tuple[bytes, dict[str, Any]]], side: str) -> list[Any]:
    import accuracy

    outcomes = []
    for seed, (image, truth) in enumerate(samples):
        task = accuracy.Task(side, "hard", "2013", int(truth["seed"]), None, False)
        t0 = time.process_time()
        got, conf, _, error, message = accuracy.read_product(image)
        elapsed = time.process_time() - t0
        outcome = accuracy.Outcome(variant, task, "", dict(truth["result"]), got, conf, error, message, elapsed)
        outcome.effects = tuple(truth["capture"]["effects"])
        outcomes.append(outcome)
        print(f"\r  {variant}: {seed + 1}/{len(samples)}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return outcomes


def render(results: dict[str, list[Any]]) -> str:
    import accuracy

    effects = sorted({e for outcomes in results.values() for o in outcomes for e in o.effects})
    rows = []
    for group in ["all", *effects]:
        for variant, outcomes in results.items():
            chosen = [o for o in outcomes if group == "all" or group in o.effects]
            s = accuracy.summarize(chosen)
            ms = 1000 * sum(o.seconds for o in chosen) / max(1, len(chosen))
            rows.append([group, variant, s.cards, report.pct(s.right, s.fields), report.pct(s.cards_right, s.cards),
                         s.errors, s.silent, f"{ms:.0f}"])  # fmt: skip
    head = ["effect", "variant", "cards", "fields right", "cards right", "errors", "silently wrong", "ms/card"]
    return report.md_table(head, rows)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--side", choices=["front", "back"], default="front")
    p.add_argument("--split", choices=["dev", "test"], default="dev")
    p.add_argument("--n", type=int, default=80)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--variants", default="baseline")
    p.add_argument("--seeds", default="", help="only these seeds of the split (comma-separated)")
    p.add_argument("--effects", default="", help="only captures with one of these effects (comma-separated)")
    args = p.parse_args(argv)
    args.effects = [e for e in args.effects.split(",") if e]
    report.single_thread_env()
    variants = _variants()
    samples = _samples(args)
    results = {}
    for name in args.variants.split(","):
        with patched(variants[name]()):
            results[name] = score(name, samples, args.side)
        print(render({name: results[name]}), file=sys.stderr)
    print(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

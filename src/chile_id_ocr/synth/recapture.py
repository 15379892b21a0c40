"""Presentation attacks: a card shown on a screen, photocopied or printed, then photographed or scanned.

Each attack turns the flat card (its texture and alpha, as the generator renders it) into the flat
thing that is captured instead, then hands it to the ordinary captures (:mod:`~chile_id_ocr.synth.capture`):

* ``screen``: the card displayed on a phone, tablet or monitor: each screen pixel drawn as its red,
  green and blue stripes with the dark gaps between them (``pitch`` texture pixels apart), the
  display's tone curve, black level and white point, a vivid or a dull panel, the screen around the
  card and the bezel around the screen, often a reflection on the glass; photographed (the camera's
  own sampling of the pixel grid makes the moire).
* ``photocopy``: grey, the copier's hard tone curve (whites clipped, blacks lifted), toner grain and
  specks, sometimes streaks, the card's edge as a dark line, on white paper; photographed or scanned.
* ``printout``: printed in colour with an amplitude-modulated CMYK halftone (rotated screens) or a
  stochastic one, the print's smaller gamut, ink spread and paper texture; photographed or scanned.

The thing captured is larger than the card (the bezel, the paper around it) but keeps the card's
aspect, so the captures place it as they place a card; the truth's ``card_quad`` is the card's own
corners in the frame, mapped through the capture's corners. ``KINDS[0]`` (``original``) is an
ordinary capture of the card (a scan, a photo, a hard photo or a photo on a page), for the same
truth (``KINDS`` is the model's, ``models/recapture.py``). Seeds split the set: :data:`DEV_SEEDS` for training,
:data:`TEST_SEEDS` held out.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
from pathlib import Path
from typing import IO, Any

import cv2
import numpy as np

from chile_id_ocr.models.recapture import KINDS, inputs
from chile_id_ocr.synth import capture as cap
from chile_id_ocr.synth.generator import CONDITIONS, SynthSample, generate_back, generate_front
from chile_id_ocr.synth.identities import random_identity
from chile_id_ocr.synth.render import render_card
from chile_id_ocr.synth.template import rounded_alpha

DEV_SEEDS = range(0, 100_000)
TEST_SEEDS = range(900_000, 1_000_000)


def generate_recapture(seed: int, kind: str, side: str = "front") -> SynthSample:
    """A capture of the card of ``seed`` (``side``: "front" or "back") as ``kind`` (one of :data:`KINDS`);
    the truth's ``recapture`` records the attack and how it was captured."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    rng = np.random.default_rng([seed & 0xFFFFFFFF, 31 + KINDS.index(kind), side == "back"])
    if kind == "original":
        condition = CONDITIONS[int(rng.integers(len(CONDITIONS)))]
        sample = (generate_front if side == "front" else generate_back)(seed, condition)
        sample.truth["recapture"] = {"kind": "original", "condition": condition}
        return sample
    card, alpha = _card(seed, side)
    attack, shoot = rng.spawn(2)
    thing, thing_alpha, inner, info = {"screen": screen, "photocopy": photocopy, "printout": printout}[kind](
        card, alpha, attack
    )
    scanned = kind != "screen" and shoot.random() < 0.35
    if scanned:
        shot = cap.scan(thing, thing_alpha, shoot)
    else:
        effects = cap.pick_effects(shoot) if shoot.random() < 0.25 else ()
        scene = "hand" if kind == "screen" and shoot.random() < 0.4 else "plain"
        shot = cap.photo(thing, thing_alpha, shoot, effects, scene=scene)
    quad = _inner_quad(shot.quad, thing.shape[1], thing.shape[0], inner)
    truth: dict[str, Any] = {
        "side": side,
        "seed": seed,
        "recapture": {"kind": kind, "captured_by": "scan" if scanned else "photo", **info},
        "card_quad": [[round(float(x), 2), round(float(y), 2)] for x, y in quad],
        "capture": shot.params,
        "image_size": [int(shot.image.shape[1]), int(shot.image.shape[0])],
    }
    return SynthSample(image=cap.encode(shot), truth=truth, ext=shot.fmt)


def _card(seed: int, side: str) -> tuple[np.ndarray, np.ndarray]:
    identity = random_identity(random.Random(f"identity-{seed}"))
    if side == "back":
        from chile_id_ocr.synth.back import render_back

        card, alpha, _ = render_back(identity, random.Random(f"render-back-{seed}"))
        return card, alpha
    from chile_id_ocr.synth.template import prepared_template

    tpl = prepared_template()
    card, _ = render_card(identity, tpl, random.Random(f"render-{seed}"))
    return card, np.asarray(tpl.alpha)


def _inner_quad(outer: np.ndarray, width: int, height: int, inner: np.ndarray) -> np.ndarray:
    """The card's corners (``inner``, texture pixels) in the frame, through the texture's corners ``outer``."""
    src = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    h = cv2.getPerspectiveTransform(src, np.asarray(outer, np.float32))
    return cv2.perspectiveTransform(inner.reshape(-1, 1, 2).astype(np.float32), h).reshape(4, 2)


def _surround(card: np.ndarray, alpha: np.ndarray, margin: float, fill: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``card`` over ``fill`` (an image of the larger size) with ``margin`` of its size on every side: the
    composite and the card's corners in it."""
    h, w = card.shape[:2]
    mx, my = round(margin * w), round(margin * h)
    out = fill.astype(np.float32)
    a = (alpha.astype(np.float32) / 255)[..., None]
    out[my : my + h, mx : mx + w] = out[my : my + h, mx : mx + w] * (1 - a) + card.astype(np.float32) * a
    corners = np.array([[mx, my], [mx + w, my], [mx + w, my + h], [mx, my + h]], np.float32)
    return np.clip(out, 0, 255).astype(np.uint8), corners


def _size(card: np.ndarray, margin: float) -> tuple[int, int]:
    h, w = card.shape[:2]
    return w + 2 * round(margin * w), h + 2 * round(margin * h)


def screen(
    card: np.ndarray, alpha: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
    """The card displayed on a screen with its bezel: the texture, its alpha, the card's corners in it, the record."""
    margin = float(rng.uniform(0.04, 0.14))
    bezel = float(rng.uniform(0.25, 0.7))  # of the margin
    width, height = _size(card, margin)
    backdrop = float(rng.choice([0.0, 18.0, 235.0, 250.0]))
    shown, corners = _surround(card, alpha, margin, np.full((height, width, 3), backdrop))
    pitch = float(rng.uniform(1.8, 5.0))  # texture pixels per screen pixel
    gw, gh = max(8, round(width / pitch)), max(8, round(height / pitch))
    pixels = cv2.resize(shown, (gw, gh), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    gamma, black = float(rng.uniform(0.75, 1.35)), float(rng.uniform(0.0, 0.1))
    vivid = float(rng.uniform(0.8, 1.45))
    white = np.array([rng.uniform(1.0, 1.12), 1.0, rng.uniform(0.86, 1.0)], np.float32)  # BGR: bluish panels
    grey = pixels.mean(axis=2, keepdims=True)
    pixels = np.clip(grey + (pixels - grey) * vivid, 0, 1) ** gamma
    pixels = black + (1 - black) * pixels * white
    big = cv2.resize(pixels, (width, height), interpolation=cv2.INTER_NEAREST)
    x = (np.arange(width, dtype=np.float32) / pitch) % 1.0
    y = (np.arange(height, dtype=np.float32) / pitch) % 1.0
    fill = float(rng.uniform(0.55, 0.9))  # the lit share of a subpixel's stripe
    depth = float(rng.uniform(0.3, 0.8))
    for c, offset in zip((2, 1, 0), (0.0, 1 / 3, 2 / 3), strict=True):  # R, G, B stripes left to right
        u = (x - offset) % 1.0
        stripe = np.clip((fill / 3 - np.abs(u - fill / 6)) * 3 * pitch, 0, 1)  # antialiased stripe
        stripe = 1 - depth + depth * stripe * 3 / max(fill, 1e-3)
        big[..., c] *= stripe[None, :]
    rows = 1 - depth * 0.5 * np.clip(1 - np.abs(y - 0.5) * 2 * pitch, 0, 1) ** 2
    big *= rows[:, None, None]
    image = np.clip(big * 255, 0, 255)
    bx, by = round(margin * bezel * card.shape[1]), round(margin * bezel * card.shape[0])
    frame = np.full_like(image, float(rng.uniform(8, 45)))
    frame[by : height - by, bx : width - bx] = image[by : height - by, bx : width - bx]
    glare = rng.random() < 0.6
    if glare:
        cx, cy = rng.uniform(0.1, 0.9) * width, rng.uniform(0.1, 0.9) * height
        sx, sy = rng.uniform(0.1, 0.5) * width, rng.uniform(0.1, 0.5) * height
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        blob = np.exp(-(((xx - cx) / sx) ** 2 + ((yy - cy) / sy) ** 2) / 2)
        frame += (blob * rng.uniform(25, 110))[..., None]
    radius = min(width, height) * float(rng.uniform(0.03, 0.09))
    info = {
        "pitch_px": round(pitch, 2),
        "gamma": round(gamma, 3),
        "black": round(black, 3),
        "saturation": round(vivid, 3),
        "glare": glare,
    }
    return np.clip(frame, 0, 255).astype(np.uint8), rounded_alpha(width, height, radius), corners, info


def photocopy(
    card: np.ndarray, alpha: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
    """A grey photocopy of the card on white paper: the texture, its alpha, the card's corners, the record."""
    margin = float(rng.uniform(0.03, 0.15))
    width, height = _size(card, margin)
    paper = float(rng.uniform(238, 255))
    grey = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY).astype(np.float32)
    edge = cv2.morphologyEx(alpha, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)).astype(np.float32) / 255
    grey = (grey * (1 - edge * rng.uniform(0.5, 0.9))).astype(np.float32)  # the card's edge casts a line
    copied, corners = _surround(cv2.cvtColor(grey.astype(np.uint8), cv2.COLOR_GRAY2BGR), np.full_like(alpha, 255),
                                   margin, np.full((height, width, 3), paper))  # fmt: skip
    g = copied[..., 0].astype(np.float32) / 255
    contrast, mid = float(rng.uniform(1.2, 2.2)), float(rng.uniform(0.45, 0.65))
    lift = float(rng.uniform(0.03, 0.22))
    g = (lift + (paper / 255 - lift) * np.clip((g - mid) * contrast + mid + rng.uniform(0.0, 0.12), 0, 1)).astype(
        np.float32
    )
    grain = cv2.GaussianBlur(rng.standard_normal((height, width)).astype(np.float32), (0, 0), rng.uniform(0.6, 1.4))
    g += grain * rng.uniform(0.03, 0.1) * (1 - np.abs(g - 0.55) * 1.2).clip(0.2, 1)
    specks = rng.random((height, width)) < rng.uniform(2e-5, 4e-4)
    g[cv2.dilate(specks.astype(np.uint8), np.ones((2, 2), np.uint8)) > 0] *= rng.uniform(0.2, 0.6)
    streaks = rng.random() < 0.4
    if streaks:
        cols = rng.integers(0, width, int(rng.integers(1, 6)))
        for col in cols:
            g[:, col : col + int(rng.integers(1, 4))] *= rng.uniform(0.75, 0.95)
    g = np.asarray(cv2.GaussianBlur(g, (0, 0), rng.uniform(0.5, 1.2)), np.float32)
    tint = np.array([1.0, rng.uniform(0.99, 1.01), rng.uniform(0.98, 1.02)], np.float32)  # paper's hue, faint
    image = np.clip(g[..., None] * tint * 255, 0, 255).astype(np.uint8)
    info = {"contrast": round(contrast, 3), "lift": round(lift, 3), "streaks": streaks}
    return image, np.full((height, width), 255, np.uint8), corners, info


def printout(
    card: np.ndarray, alpha: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
    """The card printed in colour on paper with a halftone: the texture, its alpha, the card's corners, the record."""
    margin = float(rng.uniform(0.03, 0.15))
    width, height = _size(card, margin)
    paper = np.array([rng.uniform(235, 252), rng.uniform(238, 254), rng.uniform(238, 254)], np.float32)
    page, corners = _surround(card, alpha, margin, np.broadcast_to(paper, (height, width, 3)).copy())
    rgb = page.astype(np.float32) / 255
    grey = rgb.mean(axis=2, keepdims=True)
    rgb = grey + (rgb - grey) * rng.uniform(0.55, 0.95)  # the print's smaller gamut
    k = 1 - rgb.max(axis=2)
    cmy = (1 - rgb - k[..., None]) / np.maximum(1 - k[..., None], 1e-3)
    inks = [cmy[..., 2], cmy[..., 1], cmy[..., 0], k]  # BGR: cyan is what red lacks, yellow what blue lacks
    stochastic = rng.random() < 0.35
    cell = float(rng.uniform(2.6, 6.0))  # texture pixels per halftone cell
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    coverage = []
    for i, ink in enumerate(inks):
        if stochastic:
            threshold = cv2.GaussianBlur(rng.random((height, width)).astype(np.float32), (0, 0), 0.7)
            threshold = (threshold - threshold.min()) / max(float(np.ptp(threshold)), 1e-6)
        else:
            angle = np.deg2rad((15, 75, 0, 45)[i] + rng.uniform(-2, 2))
            u = (xx * np.cos(angle) + yy * np.sin(angle)) / cell
            v = (-xx * np.sin(angle) + yy * np.cos(angle)) / cell
            threshold = 0.5 - (np.cos(2 * np.pi * u) + np.cos(2 * np.pi * v)) / 4
        coverage.append(np.clip((ink - threshold) * 5 + 0.5, 0, 1) * np.clip(ink * 20, 0, 1))
    spread = float(rng.uniform(0.4, 1.0))
    out = np.broadcast_to(paper / 255, (height, width, 3)).copy()
    for cover, absorb in zip(coverage, _ABSORB, strict=True):
        cover = cv2.GaussianBlur(cover, (0, 0), spread)
        out *= 1 - cover[..., None] * absorb
    fibre = cv2.GaussianBlur(rng.standard_normal((height, width)).astype(np.float32), (0, 0), 2.0)
    out *= 1 + fibre[..., None] * rng.uniform(0.01, 0.04)
    info = {"halftone": "stochastic" if stochastic else "am", "cell_px": round(cell, 2), "spread": round(spread, 2)}
    return np.clip(out * 255, 0, 255).astype(np.uint8), np.full((height, width), 255, np.uint8), corners, info


# Share of blue, green, red light each ink absorbs (BGR), for cyan, magenta, yellow and black.
_ABSORB = (
    np.array([0.1, 0.3, 0.9], np.float32),  # cyan absorbs red
    np.array([0.2, 0.85, 0.1], np.float32),  # magenta absorbs green
    np.array([0.9, 0.1, 0.05], np.float32),  # yellow absorbs blue
    np.array([0.92, 0.92, 0.92], np.float32),
)


def side_of(seed: int) -> str:
    """The side a seed's sample shows: a back for three seeds in ten."""
    return "back" if random.Random(f"recapture-side-{seed}").random() < 0.3 else "front"


def measured(job: tuple[int, str]) -> tuple[np.ndarray, dict[str, Any]]:
    """The capture-evidence measurements of the sample (seed, kind) as the service decodes it, on the card's
    true corners, and its truth (``training/recapture.py`` and ``bench/recapture.py`` map it over seeds)."""
    from chile_id_ocr.vision.capture_evidence import measure
    from chile_id_ocr.vision.decode import decode

    seed, kind = job
    sample = generate_recapture(seed, kind, side_of(seed))
    decoded = decode(sample.image)
    quad = np.asarray(sample.truth["card_quad"], np.float32) * decoded.scale
    return measure(decoded.pixels, quad), sample.truth


#: The kinds of consecutive samples: two originals for one of each attack, interleaved so that any prefix of a
#: run is balanced alike.
PATTERN: tuple[str, ...] = ("original", "screen", "original", "photocopy", "printout")


def seed_jobs(seeds: range, count: int) -> list[tuple[int, str]]:
    """``count`` (seed, kind) pairs from ``seeds``, the kinds in :data:`PATTERN`'s order, each seed used once."""
    if count > len(seeds):
        raise ValueError(f"{count} samples do not fit in {seeds}")
    return [(seeds[i], PATTERN[i % len(PATTERN)]) for i in range(count)]


def measure_all(
    jobs: list[tuple[int, str]], workers: int, cache: Path | None = None, *, generate: bool = True
) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """The model's inputs (N, ``INPUTS``), kind indices in ``KINDS`` and truths of the jobs, measured in ``workers``
    processes. With ``cache`` (a JSON-lines file), each sample is appended as it is measured and samples already
    there are not measured again; without ``generate``, only those are returned (a run stopped midway)."""
    done: dict[tuple[int, str], tuple[np.ndarray, dict[str, Any]]] = {}
    if cache is not None and cache.exists():
        for line in cache.read_text().splitlines():
            row = json.loads(line)
            done[(row["seed"], row["kind"])] = (np.array(row["x"], np.float64), row["truth"])
    todo = [job for job in jobs if job not in done] if generate else []
    if todo:
        with mp.get_context("fork").Pool(workers) as pool, _appending(cache) as sink:
            for job, (features, truth) in pool.imap_unordered(_measured_job, todo):
                done[job] = (features, truth)
                row = {"seed": job[0], "kind": job[1], "x": features.tolist(), "truth": truth}
                sink.write(json.dumps(row) + "\n")
                sink.flush()
    kept = [job for job in jobs if job in done]
    if not kept:
        return np.zeros((0, 0)), np.zeros(0, int), []
    x = np.stack([inputs(done[job][0], done[job][1]["side"] == "back")[0] for job in kept])
    y = np.array([KINDS.index(kind) for _, kind in kept])
    return x, y, [done[job][1] for job in kept]


def _measured_job(job: tuple[int, str]) -> tuple[tuple[int, str], tuple[np.ndarray, dict[str, Any]]]:
    return job, measured(job)


def _appending(cache: Path | None) -> IO[str]:
    return open(cache, "a") if cache is not None else open(os.devnull, "w")

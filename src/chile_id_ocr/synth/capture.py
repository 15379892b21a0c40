"""Capture conditions: how a flat rendered card becomes the file a user uploads.

* ``scan``: flat, nearly axis-aligned, small margin on a scanner bed, ~1000 px wide, mild JPEG or PNG.
* ``photo``: an ordinary phone photo: the card on a surface, on a printed page, beside another card or a
  phone, or held in a hand (:mod:`chile_id_ocr.synth.scenes`); any in-plane rotation, perspective up to
  40 deg, sometimes a mildly bent card and lens distortion; lighting, colour cast, modest defocus and
  shake, the camera's Bayer sensor with its noise, demosaicing, sharpening, JPEG (sometimes twice).
* ``page``: a photo of the card lying on a printed page (a form, a letter or contract, a receipt, a
  newspaper), otherwise like ``photo``.
* ``hard``: a photo with one to three of :data:`HARD_EFFECTS`.

Photos are composed at the scene's own resolution (the card's texture is ~16 px/mm, so a 12 MP frame
showing it at 35 px/mm is composed at about half size), blurred there, then enlarged to the frame; the
sensor, sharpening and JPEG work at full size. ``Capture.params`` records every step and its parameters.
The photo's stages are in :mod:`chile_id_ocr.synth.photo_stages`; the camera's models in
:mod:`chile_id_ocr.synth.camera`, :mod:`~chile_id_ocr.synth.optics`, :mod:`~chile_id_ocr.synth.lighting`
and :mod:`~chile_id_ocr.synth.sensor`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from chile_id_ocr.synth.domains import ALL, PAGE_SCENES, Domain
from chile_id_ocr.synth.fonts import installed
from chile_id_ocr.synth.lighting import apply_glare, apply_light, glare_map
from chile_id_ocr.synth.optics import Lens
from chile_id_ocr.synth.photo_stages import (
    Streams,
    apply_optics,
    draw_lighting,
    draw_pose,
    draw_sensor,
    phone_processing,
    resized_points,
    scene_scale,
)
from chile_id_ocr.synth.scenes import Region, compose
from chile_id_ocr.synth.text import pick

CARD_ASPECT = 85.6 / 53.98

PHOTO_SIZES: tuple[tuple[tuple[int, int], float], ...] = (
    ((1280, 960), 3.0),
    ((1600, 1200), 3.0),
    ((1920, 1080), 2.0),
    ((2000, 1500), 2.0),
    ((2560, 1920), 1.0),
    ((3000, 2250), 0.8),
    ((4000, 3000), 0.4),
    ((4624, 3468), 0.3),
)
LARGE_SIZES: tuple[tuple[tuple[int, int], float], ...] = (
    ((3000, 2250), 2.0),
    ((4000, 3000), 2.0),
    ((4624, 3468), 1.0),
)
HARD_EFFECTS: tuple[str, ...] = (
    "glare",
    "motion_blur",
    "low_light",
    "small_card",
    "strong_perspective",
    "bent_card",
    "low_quality",
    "rotation_90",
)
"""What makes a capture hard; ``hard`` applies one to three of them (``truth["capture"]["effects"]``)."""

SCAN_BEDS: tuple[str, ...] = ("scanner_white", "scanner_grey")

PHOTO_SCENES: tuple[tuple[str, float], ...] = (
    ("plain", 0.3),
    ("page:form", 0.08),
    ("page:letter", 0.08),
    ("page:receipt", 0.06),
    ("page:newspaper", 0.06),
    ("other_card", 0.11),
    ("phone", 0.09),
    ("hand", 0.22),
)
"""Scene kinds of ``photo`` and ``hard`` and their shares."""


@dataclass
class Capture:
    """The captured frame (BGR uint8), the card's corners in it and how it was made."""

    image: np.ndarray
    quad: np.ndarray
    """The card's own top-left, top-right, bottom-right and bottom-left corners in ``image`` (pixel
    centres at integers), where the camera put them: through perspective, bending, lens distortion and
    any resize. For a flat card without lens distortion the edges between them are straight; for a bent
    card, or under lens distortion, they curve, and the quad is the corners only, not the outline."""
    params: dict[str, Any] = field(default_factory=dict)
    fmt: str = "jpg"
    quality: int | None = None


def _pick_size(rng: np.random.Generator, table: tuple[tuple[tuple[int, int], float], ...]) -> tuple[int, int]:
    weights = np.array([w for _, w in table], float)
    (w, h), _ = table[int(rng.choice(len(table), p=weights / weights.sum()))]
    return (h, w) if rng.random() < 0.25 else (w, h)


def composite(frame: np.ndarray, card: np.ndarray, alpha: np.ndarray, quad: np.ndarray, shadow: float = 0.0) -> None:
    """Warp ``card`` (with ``alpha``) onto ``frame`` in place so its corners land on ``quad``."""
    fh, fw = frame.shape[:2]
    ch, cw = card.shape[:2]
    edge = max(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[3]))
    k = edge / cw
    if k < 0.85:  # pre-shrink with area averaging so the warp does not alias
        size = (max(2, round(cw * k * 1.1)), max(2, round(ch * k * 1.1)))
        card = cv2.resize(card, size, interpolation=cv2.INTER_AREA)
        alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA)
        ch, cw = card.shape[:2]
    src = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], np.float32)
    pad = 4 + round(shadow * 0.02 * max(fw, fh))
    x0 = max(0, int(np.floor(quad[:, 0].min())) - pad)
    y0 = max(0, int(np.floor(quad[:, 1].min())) - pad)
    x1 = min(fw, int(np.ceil(quad[:, 0].max())) + pad)
    y1 = min(fh, int(np.ceil(quad[:, 1].max())) + pad)
    dst = (quad - np.array([x0, y0], np.float32)).astype(np.float32)
    h = cv2.getPerspectiveTransform(src, dst)
    size = (x1 - x0, y1 - y0)
    warped = cv2.warpPerspective(card, h, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    a = cv2.warpPerspective(alpha, h, size, flags=cv2.INTER_LINEAR, borderValue=0).astype(np.float32) / 255
    region: np.ndarray = frame[y0:y1, x0:x1].astype(np.float32)
    if shadow > 0:
        blur = max(1.0, 0.006 * max(fw, fh))
        off = np.array([[1, 0, blur * 0.6], [0, 1, blur * 0.9]], np.float32)
        sh = cv2.warpAffine(a, off, size)
        sh = cv2.GaussianBlur(sh, (0, 0), blur)
        region *= (1 - shadow * sh)[..., None]
    a3 = a[..., None]
    region = region * (1 - a3) + warped.astype(np.float32) * a3
    frame[y0:y1, x0:x1] = np.clip(region, 0, 255).astype(np.uint8)


def _encode_params(rng: np.random.Generator, lo: int, hi: int) -> int:
    return int(rng.integers(lo, hi + 1))


def _add_noise(img: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Sensor noise: per-pixel luminance noise plus coarser chroma noise."""
    h, w = img.shape[:2]
    out = img.astype(np.float32)
    lum = rng.standard_normal((h, w), dtype=np.float32) * sigma
    out += lum[..., None]
    ch, cw = max(2, h // 3), max(2, w // 3)
    chroma = rng.standard_normal((ch, cw, 3), dtype=np.float32) * (sigma * 0.5)
    out += cv2.resize(chroma, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(out, 0, 255).astype(np.uint8)


def scan(card: np.ndarray, alpha: np.ndarray, rng: np.random.Generator, beds: tuple[str, ...] = SCAN_BEDS) -> Capture:
    """A flatbed scan: nearly axis-aligned on a white/grey bed (of ``beds``), ~900-1100 px wide."""
    total_w = rng.uniform(900, 1100)
    margin = rng.uniform(0.015, 0.07) * total_w
    angle = rng.uniform(-2, 2)
    t = np.deg2rad(angle)
    c, s = abs(np.cos(t)), abs(np.sin(t))
    # bounding width of the rotated card = cw*c + ch*s with ch = cw / aspect
    cw = (total_w - 2 * margin) / (c + s / CARD_ASPECT)
    ch = cw / CARD_ASPECT
    rect = np.array([[-cw / 2, -ch / 2], [cw / 2, -ch / 2], [cw / 2, ch / 2], [-cw / 2, ch / 2]])
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    quad = rect @ rot.T
    bw = quad[:, 0].max() - quad[:, 0].min()
    bh = quad[:, 1].max() - quad[:, 1].min()
    margin_y = margin * rng.uniform(0.6, 1.6)
    fw, fh = round(bw + 2 * margin), round(bh + 2 * margin_y)
    quad = quad - quad.min(0) + np.array([margin, margin_y]) + rng.uniform(-0.3, 0.3, 2) * margin
    quad = np.clip(quad, 0, [fw - 1, fh - 1]).astype(np.float32)

    grey = rng.random() < 0.3
    grey = grey if len(beds) > 1 else beds == ("scanner_grey",)
    bed = rng.uniform(185, 228) if grey else rng.uniform(236, 254)
    frame = np.full((fh, fw, 3), bed, np.float32)
    frame += rng.uniform(-3, 3, 3).astype(np.float32)
    frame = np.clip(frame, 0, 255).astype(np.uint8)
    gain = rng.uniform(0.97, 1.08)
    gamma = rng.uniform(0.88, 1.08)
    lut = np.clip(255 * (np.arange(256) / 255) ** gamma * gain, 0, 255).astype(np.uint8)
    composite(frame, cv2.LUT(card, lut), alpha, quad)

    blur = float(rng.uniform(0.4, 0.9)) if rng.random() < 0.4 else 0.0
    if blur:
        frame = cv2.GaussianBlur(frame, (0, 0), blur)
    noise = float(rng.uniform(0.5, 2.0))
    frame = _add_noise(frame, rng, noise)
    png = rng.random() < 0.2
    quality = None if png else _encode_params(rng, 80, 95)
    params = {
        "rotation_deg": round(angle, 2),
        "frame_size": [fw, fh],
        "background": "scanner_grey" if grey else "scanner_white",
        "gamma": round(gamma, 3),
        "gain": round(gain, 3),
        "blur_sigma": round(blur, 2),
        "noise_sigma": round(noise, 2),
        "format": "png" if png else "jpg",
        "jpeg_quality": quality,
    }
    return Capture(frame, quad, params, "png" if png else "jpg", quality)


def photo(
    card: np.ndarray,
    alpha: np.ndarray,
    rng: np.random.Generator,
    effects: tuple[str, ...] = (),
    *,
    domain: Domain = ALL,
    regions: Mapping[str, Region] | None = None,
    scene: str | None = None,
) -> Capture:
    """A phone photo of the card in ``scene`` (drawn from :data:`PHOTO_SCENES` when None) with the
    ``hard`` ``effects``, drawn from ``domain``; ``regions`` are the card's parts the truth reports a
    thumb over (printed values: never hidden more than a fifth)."""
    rs = Streams.of(rng)
    if scene is None:
        names, weights = zip(*PHOTO_SCENES, strict=True)
        scene = names[int(rs.plan.choice(len(names), p=np.array(weights) / sum(weights)))]
    frame = _pick_size(rs.pose, LARGE_SIZES if "small_card" in effects else PHOTO_SIZES)
    pose, params = draw_pose(rs.pose, effects, frame, bend_chance=0.6 if scene == "hand" else 0.25)
    lens: Lens | None = Lens(float(rs.pose.uniform(-0.12, 0.06)), float(rs.pose.uniform(-0.02, 0.02)))
    lens = lens if rs.pose.random() < 0.6 else None  # phones correct most of it

    scale = scene_scale(pose, card.shape[1])
    size = (max(16, round(frame[0] * scale)), max(16, round(frame[1] * scale)))
    small = pose.scaled(size[0] / frame[0], size[1] / frame[1])
    fonts = installed(domain.page_fonts)
    image, scene_info = compose(rs.scene, scene, domain, card, alpha, small, size, fonts, regions or {},
                                shadow=float(rs.scene.uniform(0.1, 0.45)))  # fmt: skip

    field_, light = draw_lighting(rs.light, domain, size, small.camera)
    sensor, balance = draw_sensor(rs.sensor, domain, "low_light" in effects)
    image = apply_light(image, field_, sensor.display_gains())
    if "glare" in effects:
        glare, params["glare"] = glare_map((card.shape[1], card.shape[0]), rs.light)
        apply_glare(image, glare, small, rs.light)

    image, optics = apply_optics(image, rs.optics, domain, effects, scale)
    quad = small.corners()
    if lens is not None:
        image = lens.apply(image)
        quad = lens.distort(quad, size)
        params["lens"] = {"k1": round(lens.k1, 4), "k2": round(lens.k2, 4)}
    if size != frame:
        image = cv2.resize(image, frame, interpolation=cv2.INTER_LINEAR)
        quad = resized_points(quad, size, frame)

    image = sensor.read_out(image, rs.sensor)
    image, quad, quality, output = phone_processing(image, quad, rs.output, effects)
    params.update(
        {
            "scene": scene,
            "domain": None if domain is ALL else domain.name,
            "effects": list(effects),
            "frame_size": [int(image.shape[1]), int(image.shape[0])],
            "scene_scale": round(scale, 3),
            **scene_info,
            "lighting": light,
            **optics,
            **sensor.info(),
            "white_balance": balance,
            **output,
            "format": "jpg",
            "jpeg_quality": quality,
        }
    )
    if "low_light" in effects:
        params["low_light"] = {"exposure": round(sensor.exposure, 3), "gain": round(sensor.gain, 3)}
    return Capture(image, quad.astype(np.float32), params, "jpg", quality)


def pick_effects(rng: np.random.Generator) -> tuple[str, ...]:
    """One to three of :data:`HARD_EFFECTS`."""
    n = int(rng.choice([1, 2, 3], p=[0.45, 0.4, 0.15]))
    picked = rng.choice(len(HARD_EFFECTS), size=n, replace=False)
    return tuple(HARD_EFFECTS[i] for i in sorted(picked))


def hard(
    card: np.ndarray, alpha: np.ndarray, rng: np.random.Generator, *, domain: Domain = ALL,
    regions: Mapping[str, Region] | None = None, effects: tuple[str, ...] | None = None,
) -> Capture:  # fmt: skip
    """A photo with one to three of :data:`HARD_EFFECTS` (``effects`` where given: the photo's own
    draws do not depend on which were picked)."""
    plan, shot = rng.spawn(2)
    picked = pick_effects(plan)
    return photo(card, alpha, shot, picked if effects is None else effects, domain=domain, regions=regions)


def page(
    card: np.ndarray, alpha: np.ndarray, rng: np.random.Generator, *, domain: Domain = ALL,
    regions: Mapping[str, Region] | None = None,
) -> Capture:  # fmt: skip
    """A photo of the card lying on a printed page (one of :data:`PAGE_SCENES`)."""
    plan, shot = rng.spawn(2)
    return photo(card, alpha, shot, (), domain=domain, regions=regions, scene=pick(plan, PAGE_SCENES))


def encode(capture: Capture) -> bytes:
    """The capture as the file a user would upload."""
    if capture.fmt == "png":
        ok, buf = cv2.imencode(".png", capture.image, [cv2.IMWRITE_PNG_COMPRESSION, 3])
    else:
        ok, buf = cv2.imencode(".jpg", capture.image, [cv2.IMWRITE_JPEG_QUALITY, int(capture.quality or 90)])
    if not ok:
        raise RuntimeError(f"could not encode the synthetic image as {capture.fmt}")
    return buf.tobytes()

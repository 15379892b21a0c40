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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from chile_id_ocr.synth import camera as cam
from chile_id_ocr.synth.domains import ALL, PAGE_SCENES, Domain
from chile_id_ocr.synth.fonts import installed
from chile_id_ocr.synth.lighting import apply_light, gradient_light, lamp_light, white_balance
from chile_id_ocr.synth.optics import Lens, convolve, disc_kernel, line_kernel, shake_kernel
from chile_id_ocr.synth.scenes import Region, compose
from chile_id_ocr.synth.sensor import BAYER, Sensor, jpeg_round_trip, sharpen
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
    region = frame[y0:y1, x0:x1].astype(np.float32)
    if shadow > 0:
        blur = max(1.0, 0.006 * max(fw, fh))
        off = np.float32([[1, 0, blur * 0.6], [0, 1, blur * 0.9]])
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


def glare_map(card_size: tuple[int, int], rng: np.random.Generator) -> tuple[np.ndarray, dict[str, Any]]:
    """A specular hologram reflection over the text, in card pixels: a soft ring or blob (float32, 0..1).

    It is drawn at quarter resolution; :func:`apply_glare` warps it like the card and lights it up after
    exposure, since a reflection stays bright even in a dark shot.
    """
    w, h = card_size
    cx = rng.uniform(0.3, 0.85) * w
    cy = rng.uniform(0.15, 0.75) * h
    rx = rng.uniform(0.07, 0.17) * w
    ry = rx * rng.uniform(0.6, 1.2)
    angle = rng.uniform(0, np.pi)
    ring = rng.random() < 0.6
    intensity = rng.uniform(0.7, 1.0)
    sw, sh = w // 4, h // 4
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32) * 4
    dx, dy = xx - cx, yy - cy
    u = (dx * np.cos(angle) + dy * np.sin(angle)) / rx
    v = (-dx * np.sin(angle) + dy * np.cos(angle)) / ry
    r = np.sqrt(u * u + v * v)
    if ring:
        width = rng.uniform(0.12, 0.3)
        g = np.exp(-(((r - 1) / width) ** 2)) + 0.35 * np.exp(-((r / 0.7) ** 2))
    else:
        g = np.exp(-(r**2) * 1.5)
    g = (np.clip(g, 0, 1) * intensity).astype(np.float32)
    info = {
        "centre": [round(float(cx), 1), round(float(cy), 1)],
        "radii": [round(float(rx), 1), round(float(ry), 1)],
        "shape": "ring" if ring else "blob",
        "intensity": round(float(intensity), 3),
    }
    return g, info


def apply_glare(image: np.ndarray, glare: np.ndarray, pose: cam.CardPose, rng: np.random.Generator) -> None:
    """Warp the card-space ``glare`` map like the card and brighten the image there, in place."""
    size = (image.shape[1], image.shape[0])
    pts = pose.outline()
    x0, y0 = max(0, int(pts[:, 0].min())), max(0, int(pts[:, 1].min()))
    x1, y1 = min(size[0], int(np.ceil(pts[:, 0].max())) + 1), min(size[1], int(np.ceil(pts[:, 1].max())) + 1)
    if x1 <= x0 or y1 <= y0:
        return
    a = pose.warp(glare, (x0, y0, x1, y1), cv2.BORDER_CONSTANT)
    tint = np.array([rng.uniform(235, 255), rng.uniform(240, 255), rng.uniform(235, 255)], np.float32)
    region = image[y0:y1, x0:x1].astype(np.float32)
    a3 = a[..., None]
    image[y0:y1, x0:x1] = np.clip(region * (1 - a3) + tint * a3, 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class _Streams:
    """Independent random streams per stage, so that one stage's draws never shift another's."""

    plan: np.random.Generator
    pose: np.random.Generator
    scene: np.random.Generator
    light: np.random.Generator
    optics: np.random.Generator
    sensor: np.random.Generator
    output: np.random.Generator

    @classmethod
    def of(cls, rng: np.random.Generator) -> _Streams:
        return cls(*rng.spawn(7))


def _pose(
    rs: np.random.Generator, effects: tuple[str, ...], frame: tuple[int, int], bend_chance: float
) -> tuple[cam.CardPose, dict[str, Any]]:
    """Where the card is in the frame: its size, turn, tilt, bend."""
    small = "small_card" in effects
    area = float(rs.uniform(0.15, 0.30) if small else rs.uniform(0.25, 0.7))
    if "rotation_90" in effects:
        rotation = float(90 * rs.integers(1, 4) + rs.uniform(-4, 4))
    else:
        rotation = float(rs.uniform(0, 360))
    if "strong_perspective" in effects:
        tilt, focal = float(rs.uniform(25, 40)), float(rs.uniform(0.6, 0.9))
    else:
        tilt, focal = float(40 * rs.random() ** 1.6), float(rs.uniform(0.8, 1.3))
    bend = None
    if "bent_card" in effects or rs.random() < bend_chance:
        bend = cam.random_bend(rs, strong="bent_card" in effects)
    camera, info = cam.place_camera(rs, frame, area, rotation, tilt, focal, bend.lift() if bend else 0.0)
    pose = cam.CardPose(camera, bend)
    info["card_area_fraction"] = round(
        float(cv2.contourArea(pose.corners().astype(np.float32))) / (frame[0] * frame[1]), 3
    )
    if bend is not None:
        info["bend"] = bend.info()
    return pose, info


def _scene_scale(pose: cam.CardPose, texture_width: int) -> float:
    """How much smaller than the frame the scene is composed: no finer than the card's texture."""
    corners = pose.corners()
    edges = np.linalg.norm(np.roll(corners, -1, 0) - corners, axis=1)
    ppm = float(max(edges / np.array([cam.CARD_MM[0], cam.CARD_MM[1]] * 2)))
    return float(np.clip(texture_width / cam.CARD_MM[0] * 1.1 / ppm, 0.3, 1.0))


def _lighting(
    rs: np.random.Generator, domain: Domain, size: tuple[int, int], camera: cam.Camera
) -> tuple[np.ndarray, dict[str, Any]]:
    """The scene's illumination field (at 64 px across) by one of the domain's models."""
    strength = float(rs.uniform(0.1, 0.45))
    if pick(rs, domain.lighting) == "gradient":
        return gradient_light(rs, size[0], size[1], strength)
    return lamp_light(rs, size[0], size[1], strength, camera)


def _optics(
    image: np.ndarray, rs: np.random.Generator, domain: Domain, effects: tuple[str, ...], scale: float
) -> tuple[np.ndarray, dict[str, Any]]:
    """Defocus and motion blur, sized in frame pixels, applied at the scene's scale."""
    info: dict[str, Any] = {}
    model = pick(rs, domain.defocus)
    if model == "disc":
        radius = float(rs.uniform(0.5, 2.5))
        info["defocus"] = {"model": "disc", "radius_px": round(radius, 2)}
        if radius * scale > 0.6:
            image = convolve(image, disc_kernel(radius * scale))
    else:
        sigma = float(rs.uniform(0.4, 1.5))
        info["defocus"] = {"model": "gaussian", "sigma_px": round(sigma, 2)}
        image = cv2.GaussianBlur(image, (0, 0), max(0.3, sigma * scale))
    if "motion_blur" in effects:
        length = float(rs.uniform(8, 25))
    elif rs.random() < 0.25:
        length = float(rs.uniform(1.5, 5))
    else:
        return image, info
    model = pick(rs, domain.motion_blur)
    if model == "line":
        angle = float(rs.uniform(0, 180))
        kernel = line_kernel(max(1.0, length * scale), angle)
        info["motion_blur"] = {"model": "line", "length_px": round(length, 1), "angle_deg": round(angle, 1)}
    else:
        kernel, extra = shake_kernel(max(1.0, length * scale), rs)
        info["motion_blur"] = {"model": "shake", "length_px": round(length, 1), **extra}
    return convolve(image, kernel), info


def _sensor(rs: np.random.Generator, domain: Domain, low_light: bool) -> tuple[Sensor, dict[str, Any]]:
    """The sensor's read-out: a white-balance error always, little light and much gain when ``low_light``."""
    gains, balance = white_balance(rs, pick(rs, domain.white_balance), strong=low_light or rs.random() < 0.15)
    if low_light:
        exposure = float(rs.uniform(0.12, 0.35))
        gain = float(1 / exposure * rs.uniform(0.55, 0.85))
        shot, read = float(rs.uniform(0.002, 0.006)), float(rs.uniform(0.0008, 0.002))
    else:
        exposure, gain = 1.0, float(rs.uniform(0.92, 1.1))
        shot, read = float(rs.uniform(0.0002, 0.0015)), float(rs.uniform(0.0003, 0.0012))
    sensor = Sensor(
        pattern=pick(rs, tuple(BAYER)),
        demosaic=pick(rs, domain.demosaic),
        noise=pick(rs, domain.noise),
        exposure=exposure,
        gain=gain,
        gains_bgr=(float(gains[0]), float(gains[1]), float(gains[2])),
        shot=shot,
        read=read,
        rows=float(rs.uniform(0.4, 1.5)),
        columns=float(rs.uniform(0.3, 1.0)),
    )
    return sensor, balance


def _output(
    image: np.ndarray, quad: np.ndarray, rs: np.random.Generator, effects: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray, int, dict[str, Any]]:
    """The phone's processing after the sensor: sharpening, and one JPEG or two with a resize between
    (a photo sent through a messaging app). Returns the image, the quad, the last quality, the record."""
    info: dict[str, Any] = {}
    if rs.random() < 0.7:
        sigma, amount = float(rs.uniform(0.8, 2.0)), float(rs.uniform(0.3, 1.2))
        image = sharpen(image, sigma, amount)
        info["sharpen"] = {"sigma_px": round(sigma, 2), "amount": round(amount, 2)}
    heavy = "low_quality" in effects
    if rs.random() < (0.5 if heavy else 0.2):
        first = int(rs.integers(60, 91) if heavy else rs.integers(85, 96))
        image = jpeg_round_trip(image, first)
        h, w = image.shape[:2]
        factor = min(1.0, float(rs.uniform(1280, 2048)) / max(w, h))  # what messaging apps send
        if factor < 1:
            size = (round(w * factor), round(h * factor))
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            quad = _resized(quad, (w, h), size)
        last = int(rs.integers(30, 56) if heavy else rs.integers(70, 91))
        info["jpeg"] = {"qualities": [first, last], "resize": round(factor, 3)}
    else:
        last = int(rs.integers(30, 51) if heavy else rs.integers(60, 93))
        info["jpeg"] = {"qualities": [last]}
    return image, quad, last, info


def _resized(points: np.ndarray, old: tuple[int, int], new: tuple[int, int]) -> np.ndarray:
    """Points of an image of size ``old`` in the same image resized to ``new`` (pixel centres aligned)."""
    k = np.array([new[0] / old[0], new[1] / old[1]])
    return (points + 0.5) * k - 0.5


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
    rs = _Streams.of(rng)
    if scene is None:
        names, weights = zip(*PHOTO_SCENES, strict=True)
        scene = names[int(rs.plan.choice(len(names), p=np.array(weights) / sum(weights)))]
    frame = _pick_size(rs.pose, LARGE_SIZES if "small_card" in effects else PHOTO_SIZES)
    pose, params = _pose(rs.pose, effects, frame, bend_chance=0.6 if scene == "hand" else 0.25)
    lens = Lens(float(rs.pose.uniform(-0.12, 0.06)), float(rs.pose.uniform(-0.02, 0.02)))
    lens = lens if rs.pose.random() < 0.6 else None  # phones correct most of it

    scale = _scene_scale(pose, card.shape[1])
    size = (max(16, round(frame[0] * scale)), max(16, round(frame[1] * scale)))
    small = pose.scaled(size[0] / frame[0], size[1] / frame[1])
    fonts = installed(domain.page_fonts)
    image, scene_info = compose(rs.scene, scene, domain, card, alpha, small, size, fonts, regions or {},
                                shadow=float(rs.scene.uniform(0.1, 0.45)))  # fmt: skip

    field_, light = _lighting(rs.light, domain, size, small.camera)
    sensor, balance = _sensor(rs.sensor, domain, "low_light" in effects)
    image = apply_light(image, field_, sensor.display_gains())
    if "glare" in effects:
        glare, params["glare"] = glare_map((card.shape[1], card.shape[0]), rs.light)
        apply_glare(image, glare, small, rs.light)

    image, optics = _optics(image, rs.optics, domain, effects, scale)
    quad = small.corners()
    if lens is not None:
        image = lens.apply(image)
        quad = lens.distort(quad, size)
        params["lens"] = {"k1": round(lens.k1, 4), "k2": round(lens.k2, 4)}
    if size != frame:
        image = cv2.resize(image, frame, interpolation=cv2.INTER_LINEAR)
        quad = _resized(quad, size, frame)

    image = sensor.read_out(image, rs.sensor)
    image, quad, quality, output = _output(image, quad, rs.output, effects)
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
    regions: Mapping[str, Region] | None = None,
) -> Capture:  # fmt: skip
    """A photo with one to three of :data:`HARD_EFFECTS`."""
    plan, shot = rng.spawn(2)
    return photo(card, alpha, shot, pick_effects(plan), domain=domain, regions=regions)


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

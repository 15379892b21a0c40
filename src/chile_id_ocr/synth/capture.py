"""Capture conditions: how a flat rendered card becomes the file a user uploads.

* ``scan``: flat, nearly axis-aligned, small margin on a scanner bed, ~1000 px wide, mild JPEG or PNG.
* ``photo``: a phone photo: card on a procedural background, any in-plane rotation, perspective tilt up
  to ~25 deg, lighting gradient, shadow, blur, sensor noise, JPEG 60-90.
* ``hard``: a photo plus one or more of hologram glare, motion blur, low light, 90/180/270 rotation, a
  small card in a large frame, heavy JPEG.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from chile_id_ocr.synth.backgrounds import BACKGROUNDS, make_background

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
    "rotation_90",
    "small_card",
    "low_quality",
)


@dataclass
class Capture:
    """The captured frame (BGR uint8), the card's corners in it and how it was made."""

    image: np.ndarray
    quad: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)
    fmt: str = "jpg"
    quality: int | None = None


def _pick_size(rng: np.random.Generator, table: tuple[tuple[tuple[int, int], float], ...]) -> tuple[int, int]:
    weights = np.array([w for _, w in table], float)
    (w, h), _ = table[int(rng.choice(len(table), p=weights / weights.sum()))]
    return (h, w) if rng.random() < 0.25 else (w, h)


def composite(
    frame: np.ndarray, card: np.ndarray, alpha: np.ndarray, quad: np.ndarray, shadow: float = 0.0
) -> None:
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


def scan(card: np.ndarray, alpha: np.ndarray, rng: np.random.Generator) -> Capture:
    """A flatbed scan: nearly axis-aligned on a white/grey bed, ~900-1100 px wide."""
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


def _project_quad(
    rng: np.random.Generator,
    frame_size: tuple[int, int],
    area_fraction: float,
    rotation_deg: float,
    tilt_deg: float,
) -> tuple[np.ndarray, float]:
    """Card corners seen by a pinhole camera: in-plane rotation, then a tilt about an in-plane axis."""
    fw, fh = frame_size
    focal = max(fw, fh) * rng.uniform(0.8, 1.3)
    card_px = np.sqrt(area_fraction * fw * fh * CARD_ASPECT)
    dist = focal / card_px
    hw, hh = 0.5, 0.5 / CARD_ASPECT
    pts = np.array([[-hw, -hh, 0], [hw, -hh, 0], [hw, hh, 0], [-hw, hh, 0]], float)
    t = np.deg2rad(rotation_deg)
    rz = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    phi = rng.uniform(0, 2 * np.pi)
    axis = np.array([np.cos(phi), np.sin(phi), 0.0])
    tilt = np.deg2rad(tilt_deg)
    kx = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    rt = np.eye(3) + np.sin(tilt) * kx + (1 - np.cos(tilt)) * (kx @ kx)
    p = pts @ (rt @ rz).T + np.array([0, 0, dist])
    quad = focal * p[:, :2] / p[:, 2:3]
    # fit inside the frame with a margin, then place at random
    margin = 0.03 * min(fw, fh)
    span = quad.max(0) - quad.min(0)
    fit = min(1.0, (fw - 2 * margin) / span[0], (fh - 2 * margin) / span[1])
    quad = (quad - quad.mean(0)) * fit
    lo = -quad.min(0) + margin
    hi = np.array([fw, fh]) - quad.max(0) - margin
    centre = lo + rng.random(2) * np.maximum(hi - lo, 0)
    return (quad + centre).astype(np.float32), fit


def _lighting(rng: np.random.Generator, w: int, h: int, strength: float) -> np.ndarray:
    """A smooth illumination field (multiplicative), linear gradient plus a soft spot."""
    sw, sh = 64, max(2, round(64 * h / w))
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    xx /= sw
    yy /= sh
    a = rng.uniform(0, 2 * np.pi)
    grad = (xx - 0.5) * np.cos(a) + (yy - 0.5) * np.sin(a)
    cx, cy = rng.uniform(0, 1, 2)
    spot = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / rng.uniform(0.05, 0.4))
    field_ = 1 + strength * (grad * rng.uniform(0.5, 1.2) + (spot - 0.5) * rng.uniform(0.2, 0.8))
    return cv2.resize(field_.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)


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


def apply_glare(frame: np.ndarray, glare: np.ndarray, quad: np.ndarray, rng: np.random.Generator) -> None:
    """Warp the card-space ``glare`` map onto the frame at ``quad`` and brighten there, in place."""
    fh, fw = frame.shape[:2]
    gh, gw = glare.shape
    src = np.array([[0, 0], [gw, 0], [gw, gh], [0, gh]], np.float32)
    x0, y0 = max(0, int(quad[:, 0].min())), max(0, int(quad[:, 1].min()))
    x1, y1 = min(fw, int(np.ceil(quad[:, 0].max())) + 1), min(fh, int(np.ceil(quad[:, 1].max())) + 1)
    h = cv2.getPerspectiveTransform(src, (quad - np.array([x0, y0], np.float32)).astype(np.float32))
    a = cv2.warpPerspective(glare, h, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderValue=0)
    tint = np.array([rng.uniform(235, 255), rng.uniform(240, 255), rng.uniform(235, 255)], np.float32)
    region = frame[y0:y1, x0:x1].astype(np.float32)
    a3 = a[..., None]
    frame[y0:y1, x0:x1] = np.clip(region * (1 - a3) + tint * a3, 0, 255).astype(np.uint8)


def _motion_kernel(length: int, angle_deg: float) -> np.ndarray:
    k = np.zeros((length, length), np.float32)
    c = (length - 1) / 2
    t = np.deg2rad(angle_deg)
    dx, dy = np.cos(t) * c, np.sin(t) * c
    cv2.line(k, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, 1, cv2.LINE_AA)
    return k / k.sum()


def photo(
    card: np.ndarray, alpha: np.ndarray, rng: np.random.Generator, effects: tuple[str, ...] = ()
) -> Capture:
    """A phone photo of the card, with the ``hard`` ``effects`` when given."""
    params: dict[str, Any] = {}
    small = "small_card" in effects
    fw, fh = _pick_size(rng, LARGE_SIZES if small else PHOTO_SIZES)
    area = float(rng.uniform(0.14, 0.22) if small else rng.uniform(0.25, 0.7))
    if "rotation_90" in effects:
        rotation = float(90 * rng.integers(1, 4) + rng.uniform(-4, 4)) % 360
    else:
        rotation = float(rng.uniform(0, 360))
    tilt = float(rng.uniform(0, 25) * (rng.random() ** 0.5))
    quad, fit = _project_quad(rng, (fw, fh), area, rotation, tilt)

    kind = str(rng.choice(sorted(BACKGROUNDS)))
    frame = make_background(rng, kind, fw, fh)
    glare: np.ndarray | None = None
    if "glare" in effects:
        glare, params["glare"] = glare_map((card.shape[1], card.shape[0]), rng)
    shadow = float(rng.uniform(0.1, 0.45))
    composite(frame, card, alpha, quad, shadow=shadow)

    strength = float(rng.uniform(0.1, 0.45))
    light = _lighting(rng, fw, fh, strength)
    cast = rng.uniform(0.92, 1.08, 3).astype(np.float32)
    out = frame.astype(np.float32) * light[..., None] * cast
    low_light = "low_light" in effects
    if low_light:
        gain = float(rng.uniform(0.4, 0.7))
        gamma = float(rng.uniform(1.2, 1.8))
        out = 255 * (np.clip(out, 0, 255) / 255) ** gamma * gain
        params["low_light"] = {"gain": round(gain, 3), "gamma": round(gamma, 3)}
    frame = np.clip(out, 0, 255).astype(np.uint8)
    if glare is not None:
        apply_glare(frame, glare, quad, rng)

    scale = max(fw, fh) / 2000
    blur = float(rng.uniform(0.3, 1.2) * max(scale, 0.6))
    frame = cv2.GaussianBlur(frame, (0, 0), blur)
    if "motion_blur" in effects:
        length = int(rng.integers(5, 16))
        mangle = float(rng.uniform(0, 180))
        frame = cv2.filter2D(frame, -1, _motion_kernel(length, mangle))
        params["motion_blur"] = {"length_px": length, "angle_deg": round(mangle, 1)}
    noise = float(rng.uniform(8, 16) if low_light else rng.uniform(1.5, 6))
    frame = _add_noise(frame, rng, noise)
    quality = _encode_params(rng, 35, 50) if "low_quality" in effects else _encode_params(rng, 60, 90)

    params.update(
        {
            "frame_size": [fw, fh],
            "background": kind,
            "rotation_deg": round(rotation, 2),
            "tilt_deg": round(tilt, 2),
            "card_area_fraction": round(area * fit * fit, 3),
            "shadow": round(shadow, 3),
            "light_strength": round(strength, 3),
            "blur_sigma": round(blur, 2),
            "noise_sigma": round(noise, 2),
            "format": "jpg",
            "jpeg_quality": quality,
        }
    )
    if effects:
        params["effects"] = list(effects)
    return Capture(frame, quad, params, "jpg", quality)


def hard(card: np.ndarray, alpha: np.ndarray, rng: np.random.Generator) -> Capture:
    """A photo with one to three of :data:`HARD_EFFECTS`."""
    n = int(rng.choice([1, 2, 3], p=[0.45, 0.4, 0.15]))
    picked = rng.choice(len(HARD_EFFECTS), size=n, replace=False)
    effects = tuple(HARD_EFFECTS[i] for i in sorted(picked))
    return photo(card, alpha, rng, effects)


def encode(capture: Capture) -> bytes:
    """The capture as the file a user would upload."""
    if capture.fmt == "png":
        ok, buf = cv2.imencode(".png", capture.image, [cv2.IMWRITE_PNG_COMPRESSION, 3])
    else:
        ok, buf = cv2.imencode(".jpg", capture.image, [cv2.IMWRITE_JPEG_QUALITY, int(capture.quality or 90)])
    if not ok:
        raise RuntimeError(f"could not encode the synthetic image as {capture.fmt}")
    return buf.tobytes()

"""The light on the scene: illumination fields (a gradient, or a lamp over the plane with vignetting and
shadows), the colour cast of a wrong white balance, and the glare of the card's hologram."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from chile_id_ocr.synth.camera import Camera, CardPose

# --- lighting ----------------------------------------------------------------------------------------------


def gradient_light(rng: np.random.Generator, w: int, h: int, strength: float) -> tuple[np.ndarray, dict[str, Any]]:
    """Illumination as a linear gradient plus a soft spot (multiplicative, at 64 px across)."""
    sw, sh = 64, max(2, round(64 * h / w))
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    xx /= sw
    yy /= sh
    a = rng.uniform(0, 2 * np.pi)
    grad = (xx - 0.5) * np.cos(a) + (yy - 0.5) * np.sin(a)
    cx, cy = rng.uniform(0, 1, 2)
    spot = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / rng.uniform(0.05, 0.4))
    field = 1 + strength * (grad * rng.uniform(0.5, 1.2) + (spot - 0.5) * rng.uniform(0.2, 0.8))
    return field.astype(np.float32), {"model": "gradient", "strength": round(strength, 3)}


def lamp_light(
    rng: np.random.Generator, w: int, h: int, strength: float, camera: Camera
) -> tuple[np.ndarray, dict[str, Any]]:
    """A lamp over the plane (inverse-square, cosine falloff), lens vignetting, and sometimes the soft
    shadow of the phone or the photographer's arm across part of the frame."""
    sw, sh = 64, max(2, round(64 * h / w))
    gx, gy = np.meshgrid((np.arange(sw) + 0.5) * w / sw, (np.arange(sh) + 0.5) * h / sh)
    inv = np.linalg.inv(camera.homography())
    p = np.column_stack([gx.ravel(), gy.ravel(), np.ones(gx.size)]) @ inv.T
    plane = p[:, :2] / p[:, 2:3]
    height = rng.uniform(250, 900)
    at = rng.uniform(-1, 1, 2) * height * strength * 1.5
    d2 = ((plane - at) ** 2).sum(1) + height**2
    irradiance = height / d2**1.5
    irradiance /= irradiance.max()
    r2 = ((gx / w - 0.5) ** 2 + (gy / h - 0.5) ** 2).ravel() / 0.5
    vignette = 1 - rng.uniform(0.1, 0.45) * r2
    field = (irradiance * vignette).reshape(sh, sw)
    field = field / field.mean() * rng.uniform(0.9, 1.1)
    info: dict[str, Any] = {"model": "lamp", "height_mm": round(float(height), 1), "strength": round(strength, 3)}
    if rng.random() < 0.35:
        a = rng.uniform(0, 2 * np.pi)
        n = np.array([np.cos(a), np.sin(a)])
        offset = rng.uniform(0.1, 0.45)
        soft = rng.uniform(0.02, 0.1)
        depth = rng.uniform(0.2, 0.5)
        u = (gx / w - 0.5) * n[0] + (gy / h - 0.5) * n[1]
        field = field * (1 - depth / (1 + np.exp(-(u - offset) / soft)))
        info["shadow"] = {"depth": round(float(depth), 3), "softness": round(float(soft), 3)}
    return field.astype(np.float32), info


def apply_light(image: np.ndarray, field: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """``image`` times the smooth ``field`` and per-channel ``gains`` (BGR), in 8 bits."""
    h, w = image.shape[:2]
    small = np.clip(field[..., None] * gains.astype(np.float32) * 128, 0, 255).astype(np.uint8)
    full = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.multiply(image, full, scale=1 / 128)


def white_balance(rng: np.random.Generator, model: str, strong: bool) -> tuple[np.ndarray, dict[str, Any]]:
    """The colour cast a wrong white balance leaves, as BGR gains: random channel gains (``gains``) or a
    colour temperature and a green-magenta tint (``temperature``)."""
    if model == "gains":
        spread = 0.25 if strong else 0.08
        g = np.array([rng.uniform(1 - spread, 1 + spread), 1.0, rng.uniform(1 - spread, 1 + spread)])
        return g, {"model": "gains", "gains_bgr": [round(float(v), 3) for v in g]}
    kelvin = rng.uniform(2600, 4000) if strong and rng.random() < 0.7 else rng.uniform(4000, 8500)
    rgb = _kelvin_rgb(kelvin) / _kelvin_rgb(6500)
    tint = rng.uniform(-0.12, 0.12) if strong else rng.uniform(-0.04, 0.04)
    g = np.array([rgb[2], rgb[1] * (1 + tint), rgb[0]])
    g = g / g[1] if not strong else g / g.max() * rng.uniform(0.9, 1.0)
    return g, {"model": "temperature", "kelvin": round(float(kelvin)), "tint": round(float(tint), 3)}


def _kelvin_rgb(kelvin: float) -> np.ndarray:
    """Approximate sRGB of a black body (Tanner Helland's fit), 0..1."""
    t = kelvin / 100
    r = 255.0 if t <= 66 else 329.7 * (t - 60) ** -0.1332
    g = 99.47 * np.log(t) - 161.12 if t <= 66 else 288.12 * (t - 60) ** -0.0755
    b = 255.0 if t >= 66 else (0.0 if t <= 19 else 138.52 * np.log(t - 10) - 305.04)
    return np.clip(np.array([r, g, b]), 1, 255) / 255


# --- glare -------------------------------------------------------------------------------------------------


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


def apply_glare(image: np.ndarray, glare: np.ndarray, pose: CardPose, rng: np.random.Generator) -> None:
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

"""Procedural backgrounds a card gets photographed on: wood, ruled paper with handwriting, cloth, desks.

Each is drawn at a low working resolution (fast) and resized to the frame; the capture adds the sensor
noise and blur on top.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from chile_id_ocr.synth.text import pick

WORK_SIDE = 720
"""Longest side of the working resolution backgrounds are drawn at."""


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    """Low-frequency noise in [-1, 1] with about ``cells`` blobs across the longer side."""
    ch = max(2, round(cells * h / max(h, w)))
    cw = max(2, round(cells * w / max(h, w)))
    small = rng.uniform(-1, 1, (ch, cw)).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def _work_size(width: int, height: int) -> tuple[int, int, float]:
    k = WORK_SIDE / max(width, height)
    return max(8, round(width * k)), max(8, round(height * k)), k


def wood(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Wood grain: stretched streaks warped by low-frequency turbulence, in a brown palette."""
    side = int(np.hypot(w, h)) + 4
    streaks: np.ndarray = rng.uniform(-1, 1, (side, max(4, side // 60))).astype(np.float32)
    streaks = cv2.resize(streaks, (side, side), interpolation=cv2.INTER_CUBIC)
    fine: np.ndarray = rng.uniform(-1, 1, (side, max(8, side // 12))).astype(np.float32)
    fine = cv2.resize(fine, (side, side), interpolation=cv2.INTER_LINEAR)
    yy = np.arange(side, dtype=np.float32)[:, None]
    warp = _smooth_noise(rng, side, side, 5) * rng.uniform(8, 30)
    period = rng.uniform(14, 40)
    rings = np.sin((yy + warp + streaks * 4) * (2 * np.pi / period))
    grain = 0.45 * rings + 0.35 * streaks + 0.2 * fine
    angle = rng.uniform(0, 180)
    m: np.ndarray = cv2.getRotationMatrix2D((side / 2, side / 2), angle, 1.0)
    m[:, 2] += [(w - side) / 2, (h - side) / 2]
    grain = cv2.warpAffine(grain, m, (w, h), borderMode=cv2.BORDER_REFLECT)
    base = np.array([rng.uniform(40, 110), rng.uniform(80, 150), rng.uniform(130, 215)], np.float32)  # BGR browns
    dark = base * rng.uniform(0.55, 0.8)
    t = ((grain + 1) / 2)[..., None]
    return base * (1 - t) + dark * t


def _cursive_word(rng: np.random.Generator, x: float, base: float, xh: float, slant: float) -> np.ndarray:
    """A handwriting-like word: loops of random height (some ascenders/descenders), slanted, joined."""
    points: list[np.ndarray] = []
    for _ in range(int(rng.integers(2, 9))):
        kind = rng.random()
        height = xh * (2.0 if kind < 0.2 else 1.0) * rng.uniform(0.8, 1.15)
        depth = xh * 0.9 if 0.2 <= kind < 0.3 else 0.0
        width = xh * rng.uniform(0.6, 1.1)
        t = np.linspace(0, 2 * np.pi, 14)
        lx = x + width * (t / (2 * np.pi)) + np.sin(t) * width * rng.uniform(0.2, 0.45)
        ly = base - (1 - np.cos(t)) / 2 * height + (np.sin(t / 2) ** 8) * depth
        lx = lx + (base - ly) * slant
        points.append(np.stack([lx, ly], 1))
        x += width
    return np.concatenate(points)


def paper(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Off-white paper, ruled (blue lines, red margin), with handwriting-like ink strokes."""
    tone = rng.uniform(215, 250)
    img = np.full((h, w, 3), tone, np.float32)
    img += np.array([rng.uniform(-12, 0), rng.uniform(-6, 0), 0], np.float32)
    img += _smooth_noise(rng, h, w, 4)[..., None] * 6
    canvas = np.clip(img, 0, 255).astype(np.uint8)
    pitch = rng.uniform(0.03, 0.055) * h
    ruled = rng.random() < 0.8
    y0 = rng.uniform(0, pitch)
    lines = np.arange(y0, h, pitch)
    if ruled:
        blue = (int(rng.uniform(170, 220)), int(rng.uniform(140, 190)), int(rng.uniform(110, 160)))
        for y in lines:
            cv2.line(canvas, (0, round(y)), (w - 1, round(y)), blue, 1, cv2.LINE_AA)
        if rng.random() < 0.6:
            mx = round(rng.uniform(0.05, 0.2) * w)
            cv2.line(canvas, (mx, 0), (mx, h - 1), (90, 90, 215), 1, cv2.LINE_AA)
    ink = (
        (int(rng.uniform(90, 160)), int(rng.uniform(30, 70)), int(rng.uniform(10, 40)))
        if rng.random() < 0.6
        else (int(rng.uniform(20, 50)),) * 3
    )
    for y in lines[1:]:
        if rng.random() < 0.35:
            continue
        x = rng.uniform(0.02, 0.3) * w
        end = rng.uniform(0.5, 0.98) * w
        slant = rng.uniform(0.1, 0.4)
        xh = pitch * rng.uniform(0.22, 0.35)
        while x < end:
            pts = _cursive_word(rng, x, y - pitch * 0.18, xh, slant)
            cv2.polylines(canvas, [pts.round().astype(np.int32)], False, ink, 1, cv2.LINE_AA)
            x = float(pts[:, 0].max()) + xh * rng.uniform(0.8, 2.0)
    return canvas.astype(np.float32)


def cloth(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Woven fabric: a fine warp/weft pattern, sometimes a plaid, over a random colour."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    f = rng.uniform(1.2, 2.5)
    angle = rng.uniform(0, np.pi)
    u = xx * np.cos(angle) + yy * np.sin(angle)
    v = -xx * np.sin(angle) + yy * np.cos(angle)
    weave = np.sin(u * f) * np.sin(v * f)
    colour = rng.uniform(30, 220, 3).astype(np.float32)
    img = colour + weave[..., None] * rng.uniform(8, 22)
    if rng.random() < 0.4:
        stripe = rng.uniform(15, 60)
        plaid = ((np.sin(u / stripe) > 0.6).astype(np.float32) + (np.sin(v / stripe) > 0.6)) / 2
        other = rng.uniform(30, 220, 3).astype(np.float32)
        img = img * (1 - plaid[..., None] * 0.6) + other * plaid[..., None] * 0.6
    img += _smooth_noise(rng, h, w, 6)[..., None] * rng.uniform(5, 15)
    img += rng.normal(0, 5, (h, w, 1)).astype(np.float32)
    return img


def desk(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A plain desk or table top: a solid colour with soft, uneven shading and a faint texture."""
    palette = [
        (235, 235, 235),
        (35, 35, 38),
        (120, 120, 125),
        (90, 60, 30),
        (170, 200, 215),
        (60, 40, 30),
        (200, 215, 225),
        (70, 110, 40),
        (30, 30, 120),
    ]
    colour = np.array(palette[int(rng.integers(len(palette)))], np.float32) + rng.uniform(-15, 15, 3)
    img = np.tile(colour, (h, w, 1)).astype(np.float32)
    img += _smooth_noise(rng, h, w, 3)[..., None] * rng.uniform(4, 14)
    img += cv2.GaussianBlur(rng.normal(0, 6, (h, w)).astype(np.float32), (0, 0), 0.8)[..., None]
    return img


def stone(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A stone counter top: speckled granite or veined marble."""
    if rng.random() < 0.5:
        base = np.array(pick(rng, ((70, 70, 75), (150, 160, 170), (40, 40, 42), (190, 200, 205))), np.float32)
        img = np.tile(base + rng.uniform(-10, 10, 3).astype(np.float32), (h, w, 1))
        img += _smooth_noise(rng, h, w, 8)[..., None] * 12
        for scale, count in ((1, 0.02), (2, 0.006)):
            n = int(count * w * h)
            ys, xs = rng.integers(0, h, n), rng.integers(0, w, n)
            spots = rng.uniform(-90, 90, (n, 1)).astype(np.float32) * rng.uniform(0.6, 1.0, (n, 3)).astype(np.float32)
            img[ys, xs] += spots
            if scale == 2:
                img[np.minimum(ys + 1, h - 1), xs] += spots
                img[ys, np.minimum(xs + 1, w - 1)] += spots
        return cv2.GaussianBlur(img, (0, 0), 0.7)
    base = np.array([rng.uniform(215, 240)] * 3, np.float32) - np.array([rng.uniform(0, 10), 0, 0], np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = rng.uniform(0, np.pi)
    u = (xx * np.cos(a) + yy * np.sin(a)) / max(w, h)
    turb = _smooth_noise(rng, h, w, 4) * rng.uniform(0.4, 1.0) + _smooth_noise(rng, h, w, 24) * 0.12
    veins = (1 - np.abs(np.sin((u * rng.uniform(2, 6) + turb) * np.pi))) ** rng.uniform(25, 80)
    return base - veins[..., None] * rng.uniform(60, 120) + _smooth_noise(rng, h, w, 5)[..., None] * 5


def planks(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A floor or table of parallel planks: each its own tone, grain along it, dark seams between."""
    side = int(np.hypot(w, h)) + 4
    width = rng.uniform(0.08, 0.2) * side
    red = rng.uniform(120, 220)
    green = red * rng.uniform(0.62, 0.8)
    base = np.array([green * rng.uniform(0.5, 0.8), green, red], np.float32)  # BGR browns
    if rng.random() < 0.3:  # painted or grey-washed
        base = np.array([rng.uniform(150, 230)] * 3, np.float32)
    img = np.zeros((side, side, 3), np.float32)
    edges = np.arange(0.0, side + width, width)
    grain = cv2.resize(rng.uniform(-1, 1, (side, max(8, side // 3))).astype(np.float32), (side, side))
    for i, x0 in enumerate(edges[:-1]):
        a, b = round(x0), min(side, round(x0 + width))
        tone = base * rng.uniform(0.8, 1.15)
        img[:, a:b] = tone + grain[:, a:b, None] * rng.uniform(6, 16)
        img[:, max(0, b - 2) : b] *= 0.45
        if i % 2:  # plank ends, staggered
            y = round(rng.uniform(0, side))
            img[y : y + 2, a:b] *= 0.5
    angle = rng.uniform(0, 180)
    m: np.ndarray = cv2.getRotationMatrix2D((side / 2, side / 2), angle, 1.0)
    m[:, 2] += [(w - side) / 2, (h - side) / 2]
    return cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REFLECT)


BACKGROUNDS: dict[str, Callable[[np.random.Generator, int, int], np.ndarray]] = {
    "wood": wood,
    "paper": paper,
    "cloth": cloth,
    "desk": desk,
    "stone": stone,
    "planks": planks,
}
"""Surfaces a card lies on; :data:`chile_id_ocr.synth.domains.DOMAINS` splits them in two halves."""


def make_background(rng: np.random.Generator, kind: str, width: int, height: int) -> np.ndarray:
    """A ``kind`` background of the frame size (BGR uint8)."""
    ww, wh, _ = _work_size(width, height)
    img = BACKGROUNDS[kind](rng, ww, wh)
    img = np.clip(img, 0, 255).astype(np.uint8)
    return cv2.resize(img, (width, height), interpolation=cv2.INTER_LINEAR)

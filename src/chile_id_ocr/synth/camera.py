"""The phone camera: where it stands, what its lens and sensor do, and what its processing adds.

Geometry is in millimetres on the plane the card lies on (the card centred at the origin, its long side
along x). :class:`Camera` projects plane points to frame pixels (a pinhole, then a similarity that
places the card in the frame); :class:`Bend` lifts the card off the plane as a cylinder or a wave, and
:class:`CardPose` maps the card's texture onto a frame through either. Lens distortion, blur kernels,
lighting fields, the Bayer sensor with its noise, sharpening and JPEG follow, each with the models the
domains split between them (:mod:`chile_id_ocr.synth.domains`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from statistics import NormalDist
from typing import Any

import cv2
import numpy as np

CARD_MM: tuple[float, float] = (85.6, 53.98)
"""ID-1 card size, mm."""

# --- pose --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Camera:
    """A pinhole camera over the plane: ``rot``/``trans`` take plane mm to camera mm, ``focal`` is in
    pixels and ``post`` (a similarity) places the pinhole image in the frame."""

    rot: np.ndarray
    trans: np.ndarray
    focal: float
    post: np.ndarray

    def project(self, points: np.ndarray) -> np.ndarray:
        """Plane points (N, 3) in mm to frame pixels (N, 2)."""
        p = np.asarray(points, np.float64) @ self.rot.T + self.trans
        pin = self.focal * p[:, :2] / p[:, 2:3]
        return pin @ self.post[:2, :2].T + self.post[:2, 2]

    def homography(self) -> np.ndarray:
        """The plane z = 0 (x, y in mm) to frame pixels."""
        k = np.diag([self.focal, self.focal, 1.0])
        h = self.post @ k @ np.column_stack([self.rot[:, 0], self.rot[:, 1], self.trans])
        return h / h[2, 2]

    def scaled(self, kx: float, ky: float) -> Camera:
        """The same camera seen on a frame resized by ``kx`` and ``ky`` (pixel centres kept aligned)."""
        resize = np.array([[kx, 0, 0.5 * kx - 0.5], [0, ky, 0.5 * ky - 0.5], [0, 0, 1]])
        return replace(self, post=resize @ self.post)

    def rays(self, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The camera centre and the directions through ``pixels`` (N, 2), in plane coordinates."""
        inv = np.linalg.inv(self.post)
        pin = pixels @ inv[:2, :2].T + inv[:2, 2]
        d = np.column_stack([pin / self.focal, np.ones(len(pin))])
        return -self.rot.T @ self.trans, d @ self.rot


def _rotation(rotation_deg: float, tilt_deg: float, tilt_axis_deg: float) -> np.ndarray:
    t = np.deg2rad(rotation_deg)
    rz = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    phi = np.deg2rad(tilt_axis_deg)
    axis = np.array([np.cos(phi), np.sin(phi), 0.0])
    kx = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    tilt = np.deg2rad(tilt_deg)
    return (np.eye(3) + np.sin(tilt) * kx + (1 - np.cos(tilt)) * (kx @ kx)) @ rz


def place_camera(
    rng: np.random.Generator,
    frame: tuple[int, int],
    area: float,
    rotation_deg: float,
    tilt_deg: float,
    focal_scale: float,
    lift: float = 0.0,
) -> tuple[Camera, dict[str, Any]]:
    """A camera that sees the card at ``area`` of the ``frame``, turned by ``rotation_deg`` in its plane
    and tilted by ``tilt_deg``, somewhere in the frame (a 3 % margin, ``lift`` mm of bend kept inside)."""
    fw, fh = frame
    focal = max(fw, fh) * focal_scale
    card_px = np.sqrt(area * fw * fh * CARD_MM[0] / CARD_MM[1])
    dist = focal * CARD_MM[0] / card_px
    axis = float(rng.uniform(0, 360))
    rot = _rotation(rotation_deg, tilt_deg, axis)
    cam = Camera(rot, np.array([0.0, 0.0, dist]), focal, np.eye(3))
    hw, hh = CARD_MM[0] / 2, CARD_MM[1] / 2
    corners = np.array([[x, y, z] for z in {0.0, -abs(lift), abs(lift)} for x in (-hw, hw) for y in (-hh, hh)])
    pin = cam.project(corners)
    margin = 0.03 * min(fw, fh)
    span = pin.max(0) - pin.min(0)
    fit = min(1.0, (fw - 2 * margin) / span[0], (fh - 2 * margin) / span[1])
    lo = -(pin.min(0) - pin.mean(0)) * fit + margin
    hi = np.array([fw, fh]) - (pin.max(0) - pin.mean(0)) * fit - margin
    centre = lo + rng.random(2) * np.maximum(hi - lo, 0)
    shift = centre - fit * pin.mean(0)
    post = np.array([[fit, 0, shift[0]], [0, fit, shift[1]], [0, 0, 1]])
    info = {
        "rotation_deg": round(rotation_deg % 360, 2),
        "tilt_deg": round(tilt_deg, 2),
        "tilt_axis_deg": round(axis, 1),
        "focal_px": round(focal * fit, 1),
    }
    return replace(cam, post=post), info


# --- bent cards --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bend:
    """The card lifted off the plane along one of its axes (``long``: its x, ``short``: its y).

    ``arc``: a cylinder of total angle ``angle`` (radians) over the card, the centre line on the plane,
    the edges lifted (towards the camera when ``angle`` < 0); the card's own coordinates are arc length,
    so the printed card is not stretched. ``wave``: a height field ``amount * sin(2 pi s / wavelength +
    phase)`` over the plane coordinate ``s`` (a stretch under 1 % at the amplitudes used).
    """

    axis: str
    model: str
    angle: float = 0.0
    amount: float = 0.0
    wavelength: float = 1.0
    phase: float = 0.0

    def profile(self, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Position (x, z) on the plane of card coordinate ``s`` along the bent axis, and d/ds of both."""
        if self.model == "arc":
            length = CARD_MM[0] if self.axis == "long" else CARD_MM[1]
            r = length / abs(self.angle)
            sign = np.sign(self.angle)
            return r * np.sin(s / r), sign * r * (1 - np.cos(s / r)), np.cos(s / r), sign * np.sin(s / r)
        k = 2 * np.pi / self.wavelength
        z = self.amount * (np.sin(k * s + self.phase) - np.sin(self.phase))
        return s, z, np.ones_like(s), self.amount * k * np.cos(k * s + self.phase)

    def lift(self) -> float:
        """The largest height of the card off the plane, mm."""
        length = CARD_MM[0] if self.axis == "long" else CARD_MM[1]
        return float(np.abs(self.profile(np.linspace(-length / 2, length / 2, 65))[1]).max())

    def surface(self, uv: np.ndarray) -> np.ndarray:
        """Card points (N, 2; mm from its centre, x along its long side) to plane points (N, 3). Points
        beyond the card (a thumb reaching over its edge) continue along the tangent at the edge."""
        u, v = uv[:, 0], uv[:, 1]
        s = u if self.axis == "long" else v
        half = (CARD_MM[0] if self.axis == "long" else CARD_MM[1]) / 2
        inside = np.clip(s, -half, half)
        x, z, dx, dz = self.profile(inside)
        x, z = x + (s - inside) * dx, z + (s - inside) * dz
        return np.column_stack([x, v, z] if self.axis == "long" else [u, x, z])

    def solve(self, origin: np.ndarray, dirs: np.ndarray) -> np.ndarray:
        """Where the rays (``origin`` + t ``dirs``) meet the bent card, as card points (N, 2)."""
        a, b = (0, 1) if self.axis == "long" else (1, 0)  # a: the bent axis, b: the straight one
        oa, oz, da, dz = origin[a], origin[2], dirs[:, a], dirs[:, 2]
        s = oa - oz / dz * da  # start where the ray meets the flat plane
        for _ in range(6):  # Newton on the 2-D intersection of the ray with the profile
            x, z, dx, ddz = self.profile(s)
            g = (x - oa) * dz - (z - oz) * da
            slope = dx * dz - ddz * da
            s = s - g / np.where(np.abs(slope) < 1e-9, 1e-9, slope)
        _, z, _, _ = self.profile(s)
        t = (z - oz) / dz
        other = origin[b] + t * dirs[:, b]
        return np.column_stack([s, other] if self.axis == "long" else [other, s])

    def info(self) -> dict[str, Any]:
        out: dict[str, Any] = {"axis": self.axis, "model": self.model, "lift_mm": round(self.lift(), 2)}
        if self.model == "arc":
            out["angle_deg"] = round(float(np.rad2deg(self.angle)), 2)
        else:
            out.update(amplitude_mm=round(self.amount, 2), wavelength_mm=round(self.wavelength, 1))
        return out


def random_bend(rng: np.random.Generator, strong: bool) -> Bend:
    """A mild (a card that does not lie quite flat) or a strong bend (a card held bent)."""
    axis = "long" if rng.random() < 0.7 else "short"
    if rng.random() < 0.65:
        degrees = rng.uniform(20, 55) if strong else rng.uniform(4, 16)
        return Bend(axis, "arc", angle=float(np.deg2rad(degrees) * rng.choice([-1, 1])))
    length = CARD_MM[0] if axis == "long" else CARD_MM[1]
    amount = rng.uniform(2.0, 4.5) if strong else rng.uniform(0.4, 1.5)
    return Bend(axis, "wave", amount=float(amount), wavelength=float(length * rng.uniform(0.9, 2.2)),
                phase=float(rng.uniform(0, 2 * np.pi)))  # fmt: skip


@dataclass(frozen=True)
class CardPose:
    """How card points (mm from its centre) land on a frame: flat on the plane, or bent."""

    camera: Camera
    bend: Bend | None = None

    def to_frame(self, uv: np.ndarray) -> np.ndarray:
        uv = np.asarray(uv, np.float64).reshape(-1, 2)
        if self.bend is None:
            return self.camera.project(np.column_stack([uv, np.zeros(len(uv))]))
        return self.camera.project(self.bend.surface(uv))

    def corners(self) -> np.ndarray:
        """The card's four corners (top-left, top-right, bottom-right, bottom-left of the card itself)."""
        hw, hh = CARD_MM[0] / 2, CARD_MM[1] / 2
        return self.to_frame(np.array([[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]]))

    def scaled(self, kx: float, ky: float) -> CardPose:
        return replace(self, camera=self.camera.scaled(kx, ky))

    def outline(self, n: int = 16) -> np.ndarray:
        """Points along the card's edge, for its bounding box."""
        hw, hh = CARD_MM[0] / 2, CARD_MM[1] / 2
        t = np.linspace(-1, 1, n)
        edge = np.concatenate([
            np.column_stack([t * hw, -hh + 0 * t]), np.column_stack([hw + 0 * t, t * hh]),
            np.column_stack([-t * hw, hh + 0 * t]), np.column_stack([-hw + 0 * t, -t * hh]),
        ])  # fmt: skip
        return self.to_frame(edge)

    def warp(self, texture: np.ndarray, roi: tuple[int, int, int, int], border: int) -> np.ndarray:
        """``texture`` (the whole card, any resolution) as it appears in the frame's ``roi`` (x0, y0, x1, y1)."""
        x0, y0, x1, y1 = roi
        th, tw = texture.shape[:2]
        to_mm = np.array([[CARD_MM[0] / tw, 0, -CARD_MM[0] / 2], [0, CARD_MM[1] / th, -CARD_MM[1] / 2], [0, 0, 1]])
        if self.bend is None:
            shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]])
            h = shift @ self.camera.homography() @ to_mm
            return cv2.warpPerspective(texture, h, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderMode=border)
        map_x, map_y = _grid_maps(roi, lambda px: self._texture_points(px, tw, th))
        return cv2.remap(texture, map_x, map_y, cv2.INTER_LINEAR, borderMode=border)

    def _texture_points(self, px: np.ndarray, tw: int, th: int) -> np.ndarray:
        assert self.bend is not None
        origin, dirs = self.camera.rays(px)
        uv = self.bend.solve(origin, dirs)
        return np.column_stack([(uv[:, 0] / CARD_MM[0] + 0.5) * tw, (uv[:, 1] / CARD_MM[1] + 0.5) * th])


def _grid_maps(roi: tuple[int, int, int, int], fn: Any, step: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Remap maps over ``roi`` from ``fn`` (pixel points to source points) evaluated on a coarse grid.

    The grid's points sit where ``cv2.resize`` puts the coarse samples, so the bilinear upsampling of the
    maps is exact at the samples and smooth (the maps are) in between."""
    x0, y0, x1, y1 = roi
    w, h = x1 - x0, y1 - y0
    gw, gh = max(2, -(-w // step) + 1), max(2, -(-h // step) + 1)
    xs = (np.arange(gw) + 0.5) * w / gw - 0.5 + x0
    ys = (np.arange(gh) + 0.5) * h / gh - 0.5 + y0
    gx, gy = np.meshgrid(xs, ys)
    src = fn(np.column_stack([gx.ravel(), gy.ravel()]))
    mx = src[:, 0].reshape(gh, gw).astype(np.float32)
    my = src[:, 1].reshape(gh, gw).astype(np.float32)
    return cv2.resize(mx, (w, h), interpolation=cv2.INTER_LINEAR), cv2.resize(
        my, (w, h), interpolation=cv2.INTER_LINEAR
    )


# --- lens distortion ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lens:
    """Radial distortion over the whole frame: barrel (``k1`` < 0) or pincushion (``k1`` > 0).

    A pixel at normalised radius r (1 at the frame's corner) shows what the undistorted frame had at
    r (1 + k1 r^2 + k2 r^4) / n, where n keeps the corners inside the frame."""

    k1: float
    k2: float = 0.0

    def _norm(self) -> float:
        return max(1.0, 1.0 + self.k1 + self.k2)

    def _source(self, pts: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        c = np.array([(size[0] - 1) / 2, (size[1] - 1) / 2])
        half = np.hypot(*c)
        d = (pts - c) / half
        r2 = (d**2).sum(1, keepdims=True)
        return c + d * half * (1 + self.k1 * r2 + self.k2 * r2**2) / self._norm()

    def apply(self, image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        map_x, map_y = _grid_maps((0, 0, w, h), lambda p: self._source(p, (w, h)), step=16)
        return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def distort(self, points: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        """Where undistorted ``points`` land in the distorted frame (inverting :meth:`_source`)."""
        pts = np.asarray(points, np.float64)
        out = pts.copy()
        for _ in range(30):
            out = out + (pts - self._source(out, size))
        return out


# --- blur --------------------------------------------------------------------------------------------------


def line_kernel(length: float, angle_deg: float) -> np.ndarray:
    """Straight-line motion blur of ``length`` pixels at ``angle_deg`` (anti-aliased)."""
    size = int(np.ceil(length)) | 1
    k = np.zeros((size * 4, size * 4), np.float32)
    c = (size * 4 - 1) / 2
    t = np.deg2rad(angle_deg)
    dx, dy = np.cos(t) * length * 2, np.sin(t) * length * 2
    p0 = (round((c - dx) * 16), round((c - dy) * 16))
    p1 = (round((c + dx) * 16), round((c + dy) * 16))
    cv2.line(k, p0, p1, 1.0, 4, cv2.LINE_AA, shift=4)
    k = cv2.resize(k, (size, size), interpolation=cv2.INTER_AREA)
    return k / k.sum()


def shake_kernel(length: float, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, Any]]:
    """A hand-shake trajectory (a random walk with inertia) spanning ``length`` pixels end to end of its
    bounding box, as a kernel: the camera dwells evenly along the path."""
    steps = 96
    v = rng.standard_normal(2)
    v /= np.linalg.norm(v)
    pos = [np.zeros(2)]
    jitter, pull = rng.uniform(0.1, 0.6), rng.uniform(0.0, 0.1)
    for _ in range(steps):
        v = v + jitter * rng.standard_normal(2) - pull * pos[-1] / (1 + np.linalg.norm(pos[-1]))
        v /= np.linalg.norm(v)
        pos.append(pos[-1] + v)
    path = np.array(pos)
    path *= length / max(1e-6, float(np.hypot(*(path.max(0) - path.min(0)))))
    path -= (path.max(0) + path.min(0)) / 2
    size = (int(np.ceil(np.abs(path).max() * 2)) + 3) | 1
    k = np.zeros((size, size), np.float32)
    c = (size - 1) / 2
    for x, y in path + c:  # bilinear splats along the path
        ix, iy = int(np.floor(x)), int(np.floor(y))
        fx, fy = x - ix, y - iy
        k[iy, ix] += (1 - fx) * (1 - fy)
        k[iy, ix + 1] += fx * (1 - fy)
        k[iy + 1, ix] += (1 - fx) * fy
        k[iy + 1, ix + 1] += fx * fy
    travelled = float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum())
    return k / k.sum(), {"path_px": round(travelled, 1), "jitter": round(float(jitter), 3)}


def disc_kernel(radius: float) -> np.ndarray:
    """Defocus of a round aperture: a uniform disc of ``radius`` pixels (anti-aliased)."""
    size = 2 * int(np.ceil(radius)) + 1
    big = np.zeros((size * 8, size * 8), np.float32)
    c = (size * 8 - 1) / 2
    cv2.circle(big, (round(c * 16), round(c * 16)), round(radius * 8 * 16), 1.0, -1, cv2.LINE_AA, shift=4)
    k = cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)
    return k / k.sum()


def convolve(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    return cv2.filter2D(image, -1, kernel, borderType=cv2.BORDER_REFLECT)


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


# --- sensor ------------------------------------------------------------------------------------------------

BAYER: dict[str, tuple[tuple[int, int, int, int], int]] = {
    # channel (B=0, G=1, R=2) at (0,0), (0,1), (1,0), (1,1), and OpenCV's code for the layout
    "RGGB": ((2, 1, 1, 0), cv2.COLOR_BayerBG2BGR),
    "BGGR": ((0, 1, 1, 2), cv2.COLOR_BayerRG2BGR),
    "GRBG": ((1, 2, 0, 1), cv2.COLOR_BayerGB2BGR),
    "GBRG": ((1, 0, 2, 1), cv2.COLOR_BayerGR2BGR),
}
_DEMOSAIC_SUFFIX = {"bilinear": 0, "edge_aware": cv2.COLOR_BayerBG2BGR_EA - cv2.COLOR_BayerBG2BGR}
_SITES = ((0, 0), (0, 1), (1, 0), (1, 1))


def _decode(v: np.ndarray) -> np.ndarray:
    """sRGB values (0..1) to linear light."""
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def _encode(x: np.ndarray) -> np.ndarray:
    """Linear light to sRGB values (0..1)."""
    x = np.clip(x, 0, None)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)


_LINEAR = _decode(np.arange(256) / 255)
_QUANTILES = (np.arange(256) + 0.5) / 256
_NORMAL_TABLE = np.array([NormalDist().inv_cdf(q) for q in _QUANTILES], np.float32).reshape(1, 256)
"""Standard normal quantiles at 256 evenly spaced probabilities: random bytes looked up in it give Gaussian
noise (tails cut at 2.9 sigma) an order of magnitude faster than drawing normals."""


def normal_noise(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Standard normal noise (float32) from random bytes and a quantile table."""
    raw = np.frombuffer(rng.bytes(shape[0] * shape[1]), np.uint8).reshape(shape)
    return cv2.LUT(raw, _NORMAL_TABLE)


@dataclass(frozen=True)
class Sensor:
    """A Bayer sensor and its read-out: exposure and colour gains, noise, the camera's gain, demosaicing.

    ``exposure`` scales the light reaching the sensor (low light: 0.1-0.4) and ``gains_bgr`` are the
    white-balance error; :meth:`display_gains` applies both to the scene before it reaches the sensor.
    Noise is drawn per photosite, so demosaicing gives it the colour structure of a real camera's:
    ``poisson_gaussian`` (variance ``shot`` x signal + ``read``^2 in linear light, carried to 8-bit
    values through the sRGB curve) or ``banded`` (the same plus per-row offsets and a fixed column
    pattern, ``rows`` and ``columns`` 8-bit levels). ``gain`` then brightens the read-out (about
    1/exposure in low light, so the noise is amplified with the signal).
    """

    pattern: str
    demosaic: str
    noise: str
    exposure: float
    gain: float
    gains_bgr: tuple[float, float, float]
    shot: float
    read: float
    rows: float = 0.0
    columns: float = 0.0

    def display_gains(self) -> np.ndarray:
        """BGR factors on 8-bit values equivalent to scaling the light by exposure and colour gains."""
        return np.asarray(_encode(np.asarray(self.gains_bgr) * self.exposure * 0.18) / _encode(np.array(0.18)))

    def _noise_table(self) -> np.ndarray:
        sigma = np.sqrt(self.shot * _LINEAR + self.read**2)
        return (255 * (_encode(_LINEAR + sigma) - _encode(_LINEAR))).astype(np.float32).reshape(1, 256)

    def read_out(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """``image`` (already exposed: :meth:`display_gains`) through the mosaic, noise, gain, demosaic."""
        layout, code = BAYER[self.pattern]
        h, w = image.shape[:2]
        h, w = h - h % 2, w - w % 2
        mosaic = np.empty((h, w), np.uint8)
        for (dy, dx), ch in zip(_SITES, layout, strict=True):
            mosaic[dy::2, dx::2] = image[dy:h:2, dx:w:2, ch]
        noise = cv2.multiply(cv2.LUT(mosaic, self._noise_table()), normal_noise(rng, (h, w)))
        if self.noise == "banded":
            noise += (rng.standard_normal((h, 1)) * self.rows).astype(np.float32)
            noise += (rng.standard_normal((1, w)) * self.columns).astype(np.float32)
        noisy = cv2.max(cv2.add(noise, mosaic, dtype=cv2.CV_32F), 0.0)
        gain = float(_encode(np.array(min(1.0, 0.18 * self.gain))) / _encode(np.array(0.18)))
        raw8 = cv2.convertScaleAbs(noisy, alpha=gain)
        demosaiced = cv2.cvtColor(raw8, code + _DEMOSAIC_SUFFIX[self.demosaic])
        if demosaiced.shape[:2] != image.shape[:2]:
            demosaiced = cv2.copyMakeBorder(
                demosaiced, 0, image.shape[0] - h, 0, image.shape[1] - w, cv2.BORDER_REPLICATE
            )
        return demosaiced

    def info(self) -> dict[str, Any]:
        noise: dict[str, Any] = {"model": self.noise, "shot": round(self.shot, 6), "read": round(self.read, 5)}
        if self.noise == "banded":
            noise.update(rows=round(self.rows, 3), columns=round(self.columns, 3))
        return {
            "bayer": {"pattern": self.pattern, "demosaic": self.demosaic},
            "noise": noise,
            "exposure": {"exposure": round(self.exposure, 3), "gain": round(self.gain, 3)},
        }


# --- processing --------------------------------------------------------------------------------------------


def sharpen(image: np.ndarray, sigma: float, amount: float) -> np.ndarray:
    """Unsharp masking, with the halos it leaves along edges."""
    blurred = cv2.GaussianBlur(image, (0, 0), sigma)
    return cv2.addWeighted(image, 1 + amount, blurred, -amount, 0)


def jpeg_round_trip(image: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("could not encode the intermediate JPEG")
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)

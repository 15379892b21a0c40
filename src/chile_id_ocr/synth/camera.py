"""The phone camera's geometry: where it stands and how the card, flat or bent, lands on its frame.

Geometry is in millimetres on the plane the card lies on (the card centred at the origin, its long side
along x). :class:`Camera` projects plane points to frame pixels (a pinhole, then a similarity that
places the card in the frame); :class:`Bend` lifts the card off the plane as a cylinder or a wave, and
:class:`CardPose` maps the card's texture onto a frame through either. What the lens, the light and the
sensor then do is in :mod:`chile_id_ocr.synth.optics`, :mod:`chile_id_ocr.synth.lighting` and
:mod:`chile_id_ocr.synth.sensor`, each with the models the domains split between them
(:mod:`chile_id_ocr.synth.domains`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
        map_x, map_y = grid_maps(roi, lambda px: self._texture_points(px, tw, th))
        return cv2.remap(texture, map_x, map_y, cv2.INTER_LINEAR, borderMode=border)

    def _texture_points(self, px: np.ndarray, tw: int, th: int) -> np.ndarray:
        assert self.bend is not None
        origin, dirs = self.camera.rays(px)
        uv = self.bend.solve(origin, dirs)
        return np.column_stack([(uv[:, 0] / CARD_MM[0] + 0.5) * tw, (uv[:, 1] / CARD_MM[1] + 0.5) * th])


def grid_maps(roi: tuple[int, int, int, int], fn: Any, step: int = 8) -> tuple[np.ndarray, np.ndarray]:
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

"""The stages of a phone photo (:func:`chile_id_ocr.synth.capture.photo`), each drawing from its own random
stream: the card's pose, the scale the scene is composed at, the lighting, the optics' blur, the sensor, and
the phone's processing after it (sharpening, JPEG, a messaging app's resize).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from chile_id_ocr.synth.camera import CARD_MM, Camera, CardPose, place_camera, random_bend
from chile_id_ocr.synth.domains import Domain
from chile_id_ocr.synth.lighting import gradient_light, lamp_light, white_balance
from chile_id_ocr.synth.optics import convolve, disc_kernel, line_kernel, shake_kernel
from chile_id_ocr.synth.sensor import BAYER, Sensor, jpeg_round_trip, sharpen
from chile_id_ocr.synth.text import pick


@dataclass(frozen=True)
class Streams:
    """Independent random streams per stage, so that one stage's draws never shift another's."""

    plan: np.random.Generator
    pose: np.random.Generator
    scene: np.random.Generator
    light: np.random.Generator
    optics: np.random.Generator
    sensor: np.random.Generator
    output: np.random.Generator

    @classmethod
    def of(cls, rng: np.random.Generator) -> Streams:
        return cls(*rng.spawn(7))


def draw_pose(
    rs: np.random.Generator, effects: tuple[str, ...], frame: tuple[int, int], bend_chance: float
) -> tuple[CardPose, dict[str, Any]]:
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
        bend = random_bend(rs, strong="bent_card" in effects)
    camera, info = place_camera(rs, frame, area, rotation, tilt, focal, bend.lift() if bend else 0.0)
    pose = CardPose(camera, bend)
    info["card_area_fraction"] = round(
        float(cv2.contourArea(pose.corners().astype(np.float32))) / (frame[0] * frame[1]), 3
    )
    if bend is not None:
        info["bend"] = bend.info()
    return pose, info


def scene_scale(pose: CardPose, texture_width: int) -> float:
    """How much smaller than the frame the scene is composed: no finer than the card's texture."""
    corners = pose.corners()
    edges = np.linalg.norm(np.roll(corners, -1, 0) - corners, axis=1)
    ppm = float(max(edges / np.array([CARD_MM[0], CARD_MM[1]] * 2)))
    return float(np.clip(texture_width / CARD_MM[0] * 1.1 / ppm, 0.3, 1.0))


def draw_lighting(
    rs: np.random.Generator, domain: Domain, size: tuple[int, int], camera: Camera
) -> tuple[np.ndarray, dict[str, Any]]:
    """The scene's illumination field (at 64 px across) by one of the domain's models."""
    strength = float(rs.uniform(0.1, 0.45))
    if pick(rs, domain.lighting) == "gradient":
        return gradient_light(rs, size[0], size[1], strength)
    return lamp_light(rs, size[0], size[1], strength, camera)


def apply_optics(
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


def draw_sensor(rs: np.random.Generator, domain: Domain, low_light: bool) -> tuple[Sensor, dict[str, Any]]:
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


def phone_processing(
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
            quad = resized_points(quad, (w, h), size)
        last = int(rs.integers(30, 56) if heavy else rs.integers(70, 91))
        info["jpeg"] = {"qualities": [first, last], "resize": round(factor, 3)}
    else:
        last = int(rs.integers(30, 51) if heavy else rs.integers(60, 93))
        info["jpeg"] = {"qualities": [last]}
    return image, quad, last, info


def resized_points(points: np.ndarray, old: tuple[int, int], new: tuple[int, int]) -> np.ndarray:
    """Points of an image of size ``old`` in the same image resized to ``new`` (pixel centres aligned)."""
    k = np.array([new[0] / old[0], new[1] / old[1]])
    return (points + 0.5) * k - 0.5

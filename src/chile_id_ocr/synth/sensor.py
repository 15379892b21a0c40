"""The phone's sensor and its processing: a Bayer mosaic with its noise, gain and demosaicing, then
sharpening and JPEG."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import cv2
import numpy as np

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
    decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if decoded is None:
        raise RuntimeError("could not decode the intermediate JPEG")
    return decoded

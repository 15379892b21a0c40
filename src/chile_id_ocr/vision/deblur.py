"""Motion blur: find it on a rectified card, and undo it.

A hand that moves while the shutter is open smears the card along one direction.
Two measures find the smear without knowing what is printed:

* **direction**: the gradient energy of sharp print is about the same in every
  direction (strokes run every way); a smear removes it along the motion. The
  structure tensor's two eigenvalues give how lopsided it is (their ratio, 1 when
  even) and which way the weak direction points. Since noise and the print's own bias
  also weigh on that energy, the steepest edges must agree: along a smear they are
  much shallower than across it.
* **length**: a smear of length L multiplies the image's spectrum by a sinc whose
  zeros repeat every 1/L; the cepstrum (the spectrum of the log spectrum) turns that
  repetition into a dip at distance L along the motion.

The card is then deconvolved with that line (a Wiener filter, which keeps the noise
it would amplify in check). Nothing is done on a card that is not smeared.

>>> image = np.zeros((200, 320), np.uint8)
>>> for k in range(12):
...     _ = cv2.putText(image, "RUN 12.345.678-K", (4, 16 + 16 * k), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 255, 1)
>>> estimate_motion_blur(image) is None
True
>>> smeared = cv2.filter2D(image, -1, line_kernel(MotionBlur(9.0, 30.0)))
>>> found = estimate_motion_blur(smeared)
>>> abs(found.angle - 30) < 15 and 7 <= found.length <= 12
True
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# A card is taken as smeared when the weak direction keeps at most this share of the
# strong direction's gradient energy. Sharp synthetic cards, photographed or scanned,
# measure 0.79-0.95 (held-out seeds); smears of 8 px or more on the read card 0.27-0.7.
_MAX_EVENNESS = 0.7
# Mean gradient energy also counts noise and the print's own bias (its strokes are mostly
# upright: the sharp phone photo of a real card in ../shared/real measures 0.70). So the
# sharpest edges decide too: along a smear, the steepest slopes (99.5th percentile) keep at
# most this share of those across it. Sharp synthetic cards measure 0.84 or more, the real
# fronts 0.79-0.95; smears of 8 px or more 0.38-0.70.
_MAX_EDGE_RATIO = 0.72
# The smear's length is looked for between these distances (read-card pixels), and its
# direction within this many degrees of the weak direction (which the print's bias pulls).
_LENGTHS = (3.0, 28.0)
_ANGLE_SPAN = 15
# The cepstrum's dip must be at least this deep (smears of 8 px or more on held-out seeds:
# 0.004-0.05); shallower dips are the print's own rhythm.
_MIN_DIP = 0.004
# Wiener noise-to-signal ratio: lower restores more and amplifies noise more. Chosen on
# held-out smeared cards for what the recognizer reads best.
_NOISE_RATIO = 0.03


@dataclass(frozen=True)
class MotionBlur:
    """A straight smear: its length in pixels and its direction in degrees (0..180, y down)."""

    length: float
    angle: float


def estimate_motion_blur(gray: np.ndarray) -> MotionBlur | None:
    """The smear over a grey image of a card, or None when it is sharp (or the smear is too
    short to matter)."""
    gx, gy = _gradients(gray)
    evenness, weak = _weak_direction(gx, gy)
    if evenness > _MAX_EVENNESS or _edge_ratio(gx[::2, ::2], gy[::2, ::2], weak) > _MAX_EDGE_RATIO:
        return None
    cepstrum = _cepstrum(gray)
    angles = weak + np.arange(-_ANGLE_SPAN, _ANGLE_SPAN + 1, 1.0)
    lags = np.arange(_LENGTHS[0], _LENGTHS[1] + 0.5, 0.5)
    values = _along(cepstrum, angles, lags)
    i, j = np.unravel_index(int(values.argmin()), values.shape)
    if values[i, j] > -_MIN_DIP or j == len(lags) - 1:
        return None
    return MotionBlur(float(lags[j]), float(angles[i] % 180))


def deblurred(image: np.ndarray) -> np.ndarray | None:
    """``image`` (BGR) with its motion smear undone, or None when it is not smeared."""
    blur = estimate_motion_blur(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
    return None if blur is None else deconvolve(image, blur)


def line_kernel(blur: MotionBlur) -> np.ndarray:
    """The smear as a normalised convolution kernel (drawn 4x supersampled, then reduced)."""
    size = int(np.ceil(blur.length)) + 3
    size += (size + 1) % 2
    big = np.zeros((size * 4, size * 4), np.float32)
    centre = (size * 4 - 1) / 2
    t = np.deg2rad(blur.angle)
    dx, dy = np.cos(t) * blur.length * 2, np.sin(t) * blur.length * 2
    start, end = (round(centre - dx), round(centre - dy)), (round(centre + dx), round(centre + dy))
    cv2.line(big, start, end, 1.0, 4, cv2.LINE_AA)
    kernel = cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)
    return kernel / kernel.sum()


def deconvolve(image: np.ndarray, blur: MotionBlur, noise_ratio: float = _NOISE_RATIO) -> np.ndarray:
    """``image`` (uint8, grey or colour) with the smear undone by a Wiener filter."""
    return wiener(image, line_kernel(blur), noise_ratio)


def wiener(image: np.ndarray, kernel: np.ndarray, noise_ratio: float = _NOISE_RATIO) -> np.ndarray:
    """``image`` (uint8, grey or colour) deconvolved with ``kernel`` (square, odd, summing to 1,
    centred) by a Wiener filter."""
    margin = 2 * kernel.shape[0]
    # Mirrored margins keep the card's edges from ringing; sizes with small factors keep the FFT fast.
    h, w = (cv2.getOptimalDFTSize(n + 2 * margin) for n in image.shape[:2])
    bottom, right = h - image.shape[0] - margin, w - image.shape[1] - margin
    padded = cv2.copyMakeBorder(image, margin, bottom, margin, right, cv2.BORDER_REFLECT)
    response = transfer(kernel, (h, w))
    inverse = response.conj() / (np.abs(response) ** 2 + noise_ratio)
    planes = padded.reshape(h, w, -1)
    out = np.empty(planes.shape, np.float32)
    for c in range(planes.shape[2]):
        out[..., c] = np.fft.irfft2(np.fft.rfft2(planes[..., c].astype(np.float32)) * inverse, s=(h, w))
    restored = np.clip(out[margin : margin + image.shape[0], margin : margin + image.shape[1]], 0, 255).astype(np.uint8)
    return restored.reshape(image.shape)


def transfer(kernel: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The kernel's response (``rfft2``) over an image of ``shape``, its centre at the origin."""
    spread = np.zeros(shape, np.float32)
    n = kernel.shape[0]
    spread[:n, :n] = kernel
    spread = np.roll(spread, (-(n // 2), -(n // 2)), axis=(0, 1))
    return np.fft.rfft2(spread)


def _gradients(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical slopes of the lightly smoothed image (Sobel)."""
    smooth = cv2.GaussianBlur(gray.astype(np.float32), (0, 0), 1.0)
    return cv2.Sobel(smooth, cv2.CV_32F, 1, 0), cv2.Sobel(smooth, cv2.CV_32F, 0, 1)


def _weak_direction(gx: np.ndarray, gy: np.ndarray) -> tuple[float, float]:
    """The structure tensor's eigenvalue ratio (weak / strong) and the weak direction in degrees."""
    a, b, c = float((gx * gx).mean()), float((gy * gy).mean()), float((gx * gy).mean())
    half_trace = (a + b) / 2
    spread = float(np.sqrt(max(half_trace**2 - (a * b - c * c), 0.0)))
    strong, weak = half_trace + spread, half_trace - spread
    strongest = 0.5 * np.degrees(np.arctan2(2 * c, a - b))
    return (weak / strong if strong > 0 else 1.0), float(strongest + 90)


def _edge_ratio(gx: np.ndarray, gy: np.ndarray, angle: float) -> float:
    """The steepest slopes along ``angle`` over those across it."""
    t = np.deg2rad(angle)
    along = float(np.percentile(np.abs(np.cos(t) * gx + np.sin(t) * gy), 99.5))
    across = float(np.percentile(np.abs(-np.sin(t) * gx + np.cos(t) * gy), 99.5))
    return along / across if across > 0 else 1.0


def _cepstrum(gray: np.ndarray) -> np.ndarray:
    """The real cepstrum of the windowed image, centred (zero lag in the middle)."""
    g = gray.astype(np.float32)
    h, w = g.shape
    window = np.outer(np.hanning(h), np.hanning(w)).astype(np.float32)
    magnitude = np.abs(np.fft.fft2((g - g.mean()) * window))
    log_spectrum = np.log(magnitude + 1e-3 * magnitude.mean())
    return np.fft.fftshift(np.real(np.fft.ifft2(log_spectrum))).astype(np.float32)


def _along(image: np.ndarray, angles: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """``image`` sampled from its centre at each (angle, lag): (angles, lags)."""
    h, w = image.shape
    t = np.deg2rad(angles)[:, None]
    xs = (w // 2 + lags[None, :] * np.cos(t)).astype(np.float32)
    ys = (h // 2 + lags[None, :] * np.sin(t)).astype(np.float32)
    return cv2.remap(image, xs, ys, cv2.INTER_LINEAR)

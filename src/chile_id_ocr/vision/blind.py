"""Shake: a card blurred along a path that is not straight, its blur found from the card itself.

``deblur.py`` finds a straight smear; a hand that shakes draws a curved or knotted path, whose
spectrum has no regular zeros to measure. Its blur kernel is found instead the way Cho and Lee
(2009, "Fast motion deblurring") do: from a guess of the sharp card (the blurred card
deconvolved with the current kernel, smoothed, then its edges steepened by a shock filter), the
kernel that blurs that guess's strongest edges into the captured ones is solved in the Fourier
domain (least squares, damped); smaller copies of the card first, each kernel the next one's start.
Printed text, all steep edges on a plain ground, suits this well.

It runs only on a card blurred beyond what phone photos show (``sharpness`` under
``BLURRED``) and not found smeared along a line: it costs about 0.7 s of CPU on a reading-size
card. A shaken card whose labels read as nothing before reads again after (held-out seeds).

>>> page = np.full((120, 200), 230, np.uint8)
>>> for k in range(5):
...     _ = cv2.putText(page, "RUN 12.345.678-K", (4, 20 + 22 * k), cv2.FONT_HERSHEY_SIMPLEX, 0.6, 40, 2)
>>> sharpness(page) > BLURRED
True
>>> sharpness(cv2.GaussianBlur(page, (0, 0), 4.0)) < BLURRED
True
"""

from __future__ import annotations

import cv2
import numpy as np

from chile_id_ocr.vision.deblur import transfer, wiener

# Steepest slopes (99.5th percentile, per grey level of the card's contrast) under which a card at
# the reading size is blurred beyond phone photos: those measure 0.17 or more (held-out seeds),
# cards shaken by 20 px or so 0.07-0.14.
BLURRED = 0.14
_KERNEL = 31  # the largest blur looked for, pixels at the reading size
_LEVELS = 3  # halvings of the card, coarsest first
_ROUNDS = (4, 5)  # kernel updates at the finest level, and at each coarser one
_EDGES = 0.04  # share of the pixels, the steepest of the guessed sharp card, that the kernel is fitted to
_DAMPING = 5e-3  # of the edges' mean energy: keeps the kernel's solution from fitting noise
_GUESS_NOISE = 0.01  # Wiener noise-to-signal ratio of the guessed sharp card
_FLOOR = 1 / 15  # kernel values under this share of its peak are dropped


class Shaken(np.ndarray):
    """An image of a card found shaken by the camera, and every crop sliced from it (numpy keeps the
    type through slicing): the recognizer reads it through its shaken-card backbone
    (``models/blur_backbone.py``). ``image.view(Shaken)`` marks one without copying it."""


def sharpness(gray: np.ndarray) -> float:
    """The card's steepest slopes (99.5th percentile of the gradient after a light smoothing, over
    every other row and column) per grey level of its contrast (5th to 95th percentile): low when
    blurred."""
    smooth = cv2.GaussianBlur(gray.astype(np.float32), (0, 0), 1.0)
    gx, gy = cv2.Sobel(smooth, cv2.CV_32F, 1, 0), cv2.Sobel(smooth, cv2.CV_32F, 0, 1)
    squared = (gx[::2, ::2] ** 2 + gy[::2, ::2] ** 2).ravel()
    steep = float(np.sqrt(np.partition(squared, int(0.995 * (squared.size - 1)))[int(0.995 * (squared.size - 1))]))
    lo, hi = np.percentile(smooth[::4, ::4], [5, 95])
    return steep / 8 / max(float(hi - lo), 1.0)


def shake_deblurred(image: np.ndarray, below: float = BLURRED) -> np.ndarray | None:
    """``image`` (BGR, at the reading size), where ``deblur.deblurred`` found no straight smear,
    with its shake undone; None when it is not blurred that much (``sharpness`` at least ``below``:
    another size than the reading size has its own threshold)."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return None if sharpness(gray) >= below else wiener(image, blur_kernel(gray))


def blur_kernel(gray: np.ndarray, size: int = _KERNEL) -> np.ndarray:
    """The blur kernel of a grey image (``size`` square, odd, summing to 1), coarse to fine."""
    blurred = gray.astype(np.float32) / 255
    kernel: np.ndarray | None = None
    for level in reversed(range(_LEVELS)):
        k = 0.5**level
        small = cv2.resize(blurred, None, fx=k, fy=k, interpolation=cv2.INTER_AREA) if level else blurred
        n = max(5, int(size * k) | 1)
        if kernel is not None:
            kernel = _normalised(cv2.resize(kernel, (n, n), interpolation=cv2.INTER_LINEAR))
        kernel = _refined(small, n, kernel, _ROUNDS[min(level, 1)])
    assert kernel is not None
    return kernel


def _refined(blurred: np.ndarray, n: int, kernel: np.ndarray | None, rounds: int) -> np.ndarray:
    h, w = blurred.shape
    shape = (cv2.getOptimalDFTSize(h + n), cv2.getOptimalDFTSize(w + n))
    padded = cv2.copyMakeBorder(blurred, 0, shape[0] - h, 0, shape[1] - w, cv2.BORDER_REFLECT)
    seen = np.fft.rfft2(padded)
    seen_x, seen_y = (np.fft.rfft2(d) for d in _slopes(padded))
    if kernel is None:
        kernel = np.zeros((n, n), np.float32)
        kernel[n // 2, n // 2] = 1
    for _ in range(rounds):
        response = transfer(kernel, shape)
        guess = np.fft.irfft2(seen * response.conj() / (np.abs(response) ** 2 + _GUESS_NOISE), s=shape)
        gx, gy = _slopes(_shocked(cv2.bilateralFilter(guess.astype(np.float32), 5, 0.1, 2)))
        steep = np.hypot(gx, gy)
        keep = steep >= np.quantile(steep[:h, :w], 1 - _EDGES)
        fx, fy = np.fft.rfft2(gx * keep), np.fft.rfft2(gy * keep)
        energy = np.abs(fx) ** 2 + np.abs(fy) ** 2
        solved = (fx.conj() * seen_x + fy.conj() * seen_y) / (energy + _DAMPING * energy.mean())
        full = np.roll(np.fft.irfft2(solved, s=shape), (n // 2, n // 2), axis=(0, 1))[:n, :n]
        found = _cleaned(full.astype(np.float32))
        if found is None:
            break
        kernel = found
    return kernel


def _slopes(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=1), cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=1)


def _shocked(image: np.ndarray, rounds: int = 4, step: float = 0.3) -> np.ndarray:
    """A shock filter: edges steepened by moving each side towards its own level."""
    out = image
    for _ in range(rounds):
        gx, gy = (cv2.Sobel(out, cv2.CV_32F, dx, dy) / 8 for dx, dy in ((1, 0), (0, 1)))
        out = out - np.sign(cv2.Laplacian(out, cv2.CV_32F)) * np.hypot(gx, gy) * step
    return out


def _cleaned(kernel: np.ndarray) -> np.ndarray | None:
    """The kernel without negatives, faint values and pieces apart from its peak; None when empty."""
    kernel = np.maximum(kernel, 0)
    if kernel.max() <= 0:
        return None
    kernel[kernel < kernel.max() * _FLOOR] = 0
    _, pieces = cv2.connectedComponents((kernel > 0).astype(np.uint8), connectivity=8)
    kernel[pieces != pieces[np.unravel_index(int(kernel.argmax()), kernel.shape)]] = 0
    return _normalised(kernel)


def _normalised(kernel: np.ndarray) -> np.ndarray:
    kernel = np.maximum(kernel, 0).astype(np.float32)
    return kernel / max(float(kernel.sum()), 1e-12)

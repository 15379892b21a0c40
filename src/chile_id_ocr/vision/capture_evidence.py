"""What an image shows of how it was captured: measurements of a located card and its surroundings that
tell an original card from a screen, a photocopy or a printout of one (``models/recapture.py`` weighs them).

The cost is bounded whatever the image's size: the card is warped once to ``CARD_SIZE`` (with a ring of
its surroundings), and the spectra are taken on ``PATCHES`` square windows of at most ``PATCH`` pixels
at the image's own resolution (a screen's pixel grid and a halftone's dots are finer than any reduced
copy keeps).

* Spectra of the windows: the strongest isolated peak above its neighbourhood outside the lowest
  frequencies (a pixel grid, its moire, halftone screens), how many strong peaks, the share of the
  energy at high frequencies (grain, toner) and the spectrum's slope; the same peaks in the chroma
  (a screen's colour stripes, CMYK rosettes).
* The card: its colour (saturation, colourfulness: a photocopy has none, a print less), its tones
  (clipped whites and lifted blacks of a copy, a screen's black level), fine texture (the median
  Laplacian), glare.
* The ring around the card: darker or brighter than the card, its spread and colour (a bezel, paper).

>>> rng = np.random.default_rng(0)
>>> image = rng.integers(90, 160, (400, 600, 3)).astype(np.uint8)
>>> quad = np.array([[100, 80], [500, 80], [500, 330], [100, 330]], np.float32)
>>> values = measure(image, quad)
>>> values.shape == (len(NAMES),), bool(np.isfinite(values).all())
(True, True)
"""

from __future__ import annotations

import cv2
import numpy as np

CARD_SIZE = (320, 202)
PATCH = 128
PATCHES: tuple[tuple[float, float], ...] = ((0.3, 0.4), (0.6, 0.3), (0.75, 0.65), (0.45, 0.75))
RING = 0.12  # of the card's size, on every side
_LOW = 0.06  # cycles per pixel: below this, the card's own content dominates the spectrum

NAMES: tuple[str, ...] = (
    "peak_max",
    "peak_mean",
    "peaks_strong",
    "high_share",
    "slope",
    "chroma_peak_max",
    "chroma_high_ratio",
    "patch_log_size",
    "saturation_mean",
    "saturation_p90",
    "colourfulness",
    "luma_p2",
    "luma_p50",
    "luma_p98",
    "clipped_white",
    "dark_share",
    "laplacian_median",
    "gradient_mean",
    "glare_share",
    "ring_luma_delta",
    "ring_std",
    "ring_dark_share",
    "ring_saturation",
)


def measure(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The measurements (``NAMES``, float64) of the card at ``quad`` (4 corners, image pixels) in ``image`` (BGR)."""
    quad = np.asarray(quad, np.float32).reshape(4, 2)
    card, ring = _card_and_ring(image, quad)
    spectra = _spectra(image, quad)
    return np.array([*spectra, *_colour_and_tone(card), *_ring(card, ring)], np.float64)


def _card_and_ring(image: np.ndarray, quad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The card warped to ``CARD_SIZE`` (BGR) and its surroundings' pixels (N, 3) within the image."""
    w, h = CARD_SIZE
    mw, mh = round(RING * w), round(RING * h)
    dst = np.array([[mw, mh], [mw + w, mh], [mw + w, mh + h], [mw, mh + h]], np.float32)
    matrix = cv2.getPerspectiveTransform(quad, dst)
    size = (w + 2 * mw, h + 2 * mh)
    side = max(float(np.linalg.norm(quad[1] - quad[0])), 1.0)
    source = image
    if side > 2 * w:  # shrink first (area averaging) so that the warp does not alias
        k = 1.5 * w / side
        source = cv2.resize(image, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
        matrix = matrix @ np.diag([1 / k, 1 / k, 1.0])
    big = cv2.warpPerspective(source, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    inside = cv2.warpPerspective(
        np.full(source.shape[:2], 255, np.uint8), matrix, size, flags=cv2.INTER_NEAREST, borderValue=0
    )
    inside[mh : mh + h, mw : mw + w] = 0
    return big[mh : mh + h, mw : mw + w], big[inside > 0].reshape(-1, 3)


def _patch_size(quad: np.ndarray) -> int:
    short = min(float(np.linalg.norm(quad[1] - quad[0])), float(np.linalg.norm(quad[3] - quad[0])))
    return int(np.clip(2 ** np.floor(np.log2(max(short / 2.5, 1.0))), 32, PATCH))


def _spectra(image: np.ndarray, quad: np.ndarray) -> list[float]:
    """Peak, grain and slope measurements of the windows' spectra (luma and chroma)."""
    n = _patch_size(quad)
    to_image = cv2.getPerspectiveTransform(np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32), quad)
    centres = cv2.perspectiveTransform(np.array(PATCHES, np.float32).reshape(-1, 1, 2), to_image).reshape(-1, 2)
    f = np.fft.fftshift(np.fft.fftfreq(n))
    radius = np.hypot(*np.meshgrid(f, f))
    band = radius >= _LOW
    high = radius >= 0.25
    window = np.outer(np.hanning(n), np.hanning(n)).astype(np.float32)
    peaks, strong, shares, slopes, chroma_peaks, chroma_ratios = [], [], [], [], [], []
    ih, iw = image.shape[:2]
    for cx, cy in centres:
        x0 = int(np.clip(round(cx) - n // 2, 0, max(iw - n, 0)))
        y0 = int(np.clip(round(cy) - n // 2, 0, max(ih - n, 0)))
        patch = image[y0 : y0 + n, x0 : x0 + n].astype(np.float32)
        if patch.shape[:2] != (n, n):
            continue
        luma = patch @ np.array([0.114, 0.587, 0.299], np.float32)
        chroma = patch[..., 2] - patch[..., 0]
        power = _power(luma, window)
        residual = _residual(power)
        peaks.append(float(residual[band].max()))
        strong.append(float((residual[band] > 2.5).sum()))
        energy = np.exp(power)
        shares.append(float(np.log(energy[high].sum() / energy[band].sum())))
        slopes.append(_slope(power, radius))
        chroma_power = _power(chroma, window)
        chroma_peaks.append(float(_residual(chroma_power)[band].max()))
        chroma_ratios.append(float(np.log(np.exp(chroma_power)[high].sum() / energy[high].sum())))
    if not peaks:
        return [0.0, 0.0, 0.0, -3.0, -2.0, 0.0, -2.0, float(np.log2(n))]
    return [
        max(peaks),
        float(np.mean(peaks)),
        float(np.mean(strong)),
        float(np.mean(shares)),
        float(np.mean(slopes)),
        max(chroma_peaks),
        float(np.mean(chroma_ratios)),
        float(np.log2(n)),
    ]


def _power(channel: np.ndarray, window: np.ndarray) -> np.ndarray:
    """The log power spectrum (centred) of a windowed channel."""
    spectrum = np.fft.fftshift(np.fft.fft2((channel - channel.mean()) * window))
    return np.log(np.abs(spectrum) ** 2 + 1e-3).astype(np.float32)


def _residual(power: np.ndarray) -> np.ndarray:
    """How far each frequency stands above the median of its neighbourhood (isolated peaks)."""
    return power - cv2.medianBlur(power, 5)


def _slope(power: np.ndarray, radius: np.ndarray) -> float:
    """The slope of the log power against the log frequency, between the low band and 0.45 cycles per pixel."""
    keep = (radius >= _LOW) & (radius <= 0.45)
    x, y = np.log(radius[keep]), power[keep]
    return float(np.polyfit(x, y, 1)[0])


def _colour_and_tone(card: np.ndarray) -> list[float]:
    hsv = cv2.cvtColor(card, cv2.COLOR_BGR2HSV)
    saturation = hsv[..., 1].astype(np.float32) / 255
    b, g, r = (card[..., i].astype(np.float32) for i in range(3))
    rg, yb = r - g, 0.5 * (r + g) - b
    colourfulness = float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean())) / 255
    luma = cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
    p2, p50, p98 = np.percentile(luma, (2, 50, 98)) / 255
    lum = luma.astype(np.float32)
    laplacian = np.abs(cv2.Laplacian(lum, cv2.CV_32F))
    gradient = np.hypot(cv2.Sobel(lum, cv2.CV_32F, 1, 0), cv2.Sobel(lum, cv2.CV_32F, 0, 1))
    glare = (luma > 245) & (saturation < 0.1)
    return [
        float(saturation.mean()),
        float(np.percentile(saturation, 90)),
        colourfulness,
        float(p2),
        float(p50),
        float(p98),
        float((luma >= 250).mean()),
        float((luma < 40).mean()),
        float(np.median(laplacian)) / 255,
        float(gradient.mean()) / 255,
        float(glare.mean()),
    ]


def _ring(card: np.ndarray, ring: np.ndarray) -> list[float]:
    """The surroundings against the card (zeros where the card fills the image)."""
    if len(ring) < 50:
        return [0.0, 0.0, 0.0, 0.0]
    ring_luma = ring.astype(np.float32) @ np.array([0.114, 0.587, 0.299], np.float32)
    card_luma = float(cv2.cvtColor(card, cv2.COLOR_BGR2GRAY).mean())
    spread = ring.astype(np.float32).max(axis=1) - ring.astype(np.float32).min(axis=1)
    return [
        (float(ring_luma.mean()) - card_luma) / 255,
        float(ring_luma.std()) / 255,
        float((ring_luma < 50).mean()),
        float(spread.mean()) / 255,
    ]

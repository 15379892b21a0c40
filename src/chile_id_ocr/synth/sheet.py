"""A flat printed thing (a page, a receipt, another card, a phone screen) drawn in millimetres.

Only the window of it a photo can see is rasterised (a newspaper is mostly outside the frame), at the
resolution the photo needs; drawing calls outside the window cost a bounds check. Text is placed by its
cap height in millimetres, so its size on the photo compares directly with the card's (whose values
have a cap height of about 2 mm).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, ImageDraw

from chile_id_ocr.synth.render import _cap_ratio, _font

RGB = tuple[int, int, int]
Box = tuple[float, float, float, float]

_MEASURE_PX = 100.0


@functools.lru_cache(maxsize=8192)
def _advance(path: str, text: str) -> float:
    """Advance width of ``text`` at :data:`_MEASURE_PX` pixels per em."""
    return float(_font(path, _MEASURE_PX).getlength(text))


@functools.lru_cache(maxsize=8192)
def _word(path: str, size: float, word: str) -> tuple[Image.Image | None, tuple[int, int]]:
    """The coverage mask of ``word`` at ``size`` px and its offset from the pen position on the baseline.

    Pages repeat their words, and FreeType renders some faces slowly (Lato, Carlito: 0.2 ms a glyph), so
    words are rendered once and stamped."""
    core, offset = _font(path, size).getmask2(word, mode="L", anchor="ls")
    if not core.size[0] or not core.size[1]:
        return None, offset
    return Image.frombytes("L", core.size, bytes(core)), offset


@dataclass
class Sheet:
    """The visible ``window`` (x0, y0, x1, y1 in mm) of a ``size`` mm sheet, at ``ppm`` pixels per mm."""

    size: tuple[float, float]
    ppm: float
    window: Box
    paper: RGB
    image: Image.Image = field(init=False)
    text_boxes: list[Box] = field(default_factory=list)

    def __post_init__(self) -> None:
        x0, y0, x1, y1 = self.window
        w = max(1, round((x1 - x0) * self.ppm))
        h = max(1, round((y1 - y0) * self.ppm))
        self.image = Image.new("RGB", (w, h), self.paper)
        self._draw = ImageDraw.Draw(self.image)

    @classmethod
    def whole(cls, size: tuple[float, float], ppm: float, paper: RGB) -> Sheet:
        return cls(size, ppm, (0.0, 0.0, size[0], size[1]), paper)

    def px(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.window[0]) * self.ppm, (y - self.window[1]) * self.ppm

    def visible(self, box: Box) -> bool:
        x0, y0, x1, y1 = self.window
        return box[2] >= x0 and box[0] <= x1 and box[3] >= y0 and box[1] <= y1

    @staticmethod
    def width(text: str, path: str, cap_mm: float) -> float:
        """Width of ``text`` in mm at cap height ``cap_mm``."""
        return _advance(path, text) / _MEASURE_PX * cap_mm / _cap_ratio(path)

    def text(self, x: float, y: float, text: str, path: str, cap_mm: float, fill: RGB, align: str = "left") -> float:
        """Draw ``text`` with its baseline at ``y``, starting at (``left``), centred on or ending at
        (``right``) ``x``; returns its width in mm. Text is recorded even when outside the window."""
        width = self.width(text, path, cap_mm)
        x0 = x - {"left": 0.0, "center": width / 2, "right": width}[align]
        box = (x0, y - cap_mm * 1.35, x0 + width, y + cap_mm * 0.4)
        if text.strip():
            self.text_boxes.append(box)
        if self.visible(box):
            size = max(1.0, round(cap_mm * self.ppm / _cap_ratio(path) * 4) / 4)
            space = self.width(" ", path, cap_mm)
            pen = x0
            for word in text.split(" "):
                mask, (ox, oy) = _word(path, size, word) if word else (None, (0, 0))
                if mask is not None:
                    px, py = self.px(pen, y)
                    self.image.paste(fill, (round(px) + ox, round(py) + oy), mask)
                pen += self.width(word, path, cap_mm) + space
        return width

    def rect(self, box: Box, fill: RGB | None = None, outline: RGB | None = None, line_mm: float = 0.25) -> None:
        if not self.visible(box):
            return
        p0, p1 = self.px(box[0], box[1]), self.px(box[2], box[3])
        self._draw.rectangle((p0, p1), fill=fill, outline=outline, width=max(1, round(line_mm * self.ppm)))

    def rounded(self, box: Box, radius_mm: float, fill: RGB | None = None, outline: RGB | None = None,
                line_mm: float = 0.25) -> None:  # fmt: skip
        if not self.visible(box):
            return
        p0, p1 = self.px(box[0], box[1]), self.px(box[2], box[3])
        self._draw.rounded_rectangle(
            (p0, p1), radius=radius_mm * self.ppm, fill=fill, outline=outline, width=max(1, round(line_mm * self.ppm))
        )

    def line(self, x0: float, y0: float, x1: float, y1: float, fill: RGB, line_mm: float = 0.25) -> None:
        if not self.visible((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))):
            return
        self._draw.line((self.px(x0, y0), self.px(x1, y1)), fill=fill, width=max(1, round(line_mm * self.ppm)))

    def dotted(self, x0: float, x1: float, y: float, fill: RGB, pitch_mm: float = 0.8) -> None:
        """A dotted leader line from ``x0`` to ``x1`` at height ``y``."""
        if not self.visible((x0, y - 0.3, x1, y + 0.3)):
            return
        r = max(0.5, 0.1 * self.ppm)
        for x in np.arange(x0, x1, pitch_mm):
            px, py = self.px(float(x), y)
            self._draw.ellipse((px - r, py - r, px + r, py + r), fill=fill)

    def ellipse(self, box: Box, fill: RGB | None = None, outline: RGB | None = None, line_mm: float = 0.25) -> None:
        if not self.visible(box):
            return
        p0, p1 = self.px(box[0], box[1]), self.px(box[2], box[3])
        self._draw.ellipse((p0, p1), fill=fill, outline=outline, width=max(1, round(line_mm * self.ppm)))

    def polygon(self, points: list[tuple[float, float]], fill: RGB) -> None:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        if self.visible((min(xs), min(ys), max(xs), max(ys))):
            self._draw.polygon([self.px(x, y) for x, y in points], fill=fill)

    def barcode(self, box: Box, rng: np.random.Generator, fill: RGB = (20, 20, 20)) -> None:
        """Bars of random widths filling ``box``."""
        x, x1 = box[0], box[2]
        module = (x1 - x) / 95
        while x < x1 - module:
            w = module * int(rng.integers(1, 4))
            if rng.random() < 0.5:
                self.rect((x, box[1], min(x + w, x1), box[3]), fill=fill)
            x += w

    def picture(self, box: Box, pixels: np.ndarray) -> None:
        """Print ``pixels`` (BGR, any size) into ``box``."""
        if not self.visible(box):
            return
        (x0, y0), (x1, y1) = self.px(box[0], box[1]), self.px(box[2], box[3])
        size = (max(1, round(x1 - x0)), max(1, round(y1 - y0)))
        resized = cv2.resize(pixels, size, interpolation=cv2.INTER_LINEAR)[..., ::-1]
        self.image.paste(Image.fromarray(np.ascontiguousarray(resized), "RGB"), (round(x0), round(y0)))

    def wrap(self, text: str, path: str, cap_mm: float, width_mm: float) -> list[list[str]]:
        """``text``'s words in lines no wider than ``width_mm``."""
        space = self.width(" ", path, cap_mm)
        lines: list[list[str]] = [[]]
        used = 0.0
        for word in text.split():
            w = self.width(word, path, cap_mm)
            if lines[-1] and used + space + w > width_mm:
                lines.append([])
                used = 0.0
            used += (space if lines[-1] else 0.0) + w
            lines[-1].append(word)
        return [line for line in lines if line]

    def paragraph(
        self, x: float, y: float, width_mm: float, text: str, path: str, cap_mm: float, fill: RGB,
        leading: float = 1.9, justify: bool = True, stop: float = float("inf"),
    ) -> float:  # fmt: skip
        """Set ``text`` in lines from baseline ``y`` down to ``stop``; returns the baseline after the last."""
        pitch = cap_mm * leading
        lines = self.wrap(text, path, cap_mm, width_mm)
        for i, words in enumerate(lines):
            if y > stop:
                break
            last = i == len(lines) - 1
            if justify and not last and len(words) > 1:
                widths = [self.width(w, path, cap_mm) for w in words]
                gap = (width_mm - sum(widths)) / (len(words) - 1)
                cx = x
                for word, w in zip(words, widths, strict=True):
                    self.text(cx, y, word, path, cap_mm, fill)
                    cx += w + gap
            else:
                self.text(x, y, " ".join(words), path, cap_mm, fill)
            y += pitch
        return y

    def pixels(self) -> np.ndarray:
        """The window as BGR uint8."""
        return cv2.cvtColor(np.asarray(self.image), cv2.COLOR_RGB2BGR)

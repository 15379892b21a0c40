"""Helpers for tests on the real images: turned copies, EXIF orientation applied."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
from PIL import Image, ImageOps

ROTATIONS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def rotated_jpeg(path: Path, angle: int) -> bytes:
    """The image's pixels (EXIF ignored) turned clockwise by ``angle`` degrees, as a JPEG."""
    pixels = cv2.imread(str(path), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    ok, buf = cv2.imencode(".jpg", cv2.rotate(pixels, ROTATIONS[angle]), [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    return buf.tobytes()


def exif_applied_jpeg(path: Path) -> bytes:
    """The image with its EXIF orientation applied to the pixels, as a JPEG (the file must carry one)."""
    with Image.open(path) as im:
        assert im.getexif().get(0x0112) not in (None, 1), "the fixture should carry an EXIF rotation"
        upright = ImageOps.exif_transpose(im)
        buf = io.BytesIO()
        upright.save(buf, "JPEG", quality=92)
    return buf.getvalue()

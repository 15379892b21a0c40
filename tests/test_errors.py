"""Bad input gets the contract's error code and a clear message, never an exception."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from chile_id_ocr import RecognitionError, recognize


def _png(pixels: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", pixels)
    assert ok
    return buf.tobytes()


def _error(data: bytes) -> RecognitionError:
    with pytest.raises(RecognitionError) as info:
        recognize(data)
    return info.value


@pytest.mark.parametrize(
    "data",
    [b"", b"hello, this is not an image", b"GIF89a\x01\x00\x01\x00", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40],
)
def test_not_an_image_is_ais_0102(data: bytes) -> None:
    err = _error(data)
    assert err.code == "AIS.0102"
    assert err.error_msg.startswith("The image format is not supported.")


@pytest.mark.parametrize("shape", [(10, 200, 3), (200, 14, 3), (20, 8200, 3)])
def test_side_out_of_range_is_ais_0103(shape: tuple[int, int, int]) -> None:
    err = _error(_png(np.full(shape, 200, np.uint8)))
    assert err.code == "AIS.0103"
    assert f"{shape[1]}x{shape[0]}" in err.error_msg


def test_blank_image_is_ais_0104_with_reason() -> None:
    err = _error(_png(np.full((600, 900, 3), 235, np.uint8)))
    assert err.code == "AIS.0104"
    assert err.error_msg.startswith("The image is not supported or the image quality is poor.")
    assert "blank" in err.error_msg


def test_something_else_is_ais_0104() -> None:
    rng = np.random.default_rng(3)
    canvas = np.full((700, 1000, 3), 250, np.uint8)
    for i in range(12):  # a page of printed text that is not a card
        cv2.putText(
            canvas, f"Lorem ipsum dolor sit amet {i}", (40, 50 + 52 * i), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (20, 20, 20), 2
        )
    canvas = cv2.add(canvas, rng.integers(0, 8, canvas.shape, dtype=np.uint8))
    err = _error(_png(canvas))
    assert err.code == "AIS.0104"
    assert "identity card found" in err.error_msg.lower()  # no card: its reason, not the back's


def test_dark_image_is_ais_0104() -> None:
    err = _error(_png(np.full((480, 640, 3), 3, np.uint8)))
    assert err.code == "AIS.0104"
    assert "dark" in err.error_msg

"""Errors as values with a contract code.

Each error is raised where the reason is known and carries the code of the API
contract (``../shared/API.md``). The contract's message comes first, unchanged, so
clients that match on it keep working; the specific reason follows it.

>>> err = PoorImageError("no card found in the image")
>>> err.code
'AIS.0104'
>>> err.error_msg
'The image is not supported or the image quality is poor. No card found in the image.'
"""

from __future__ import annotations


class RecognitionError(Exception):
    """A failure with a contract error code; never a traceback for the user."""

    code: str = "AIS.0105"
    contract_message: str = "Recognition failed."

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason or self.contract_message)
        self.reason = reason

    @property
    def error_msg(self) -> str:
        """The contract message, followed by the specific reason when there is one."""
        if not self.reason:
            return self.contract_message
        reason = self.reason[0].upper() + self.reason[1:]
        if not reason.endswith("."):
            reason += "."
        return f"{self.contract_message} {reason}"

    def to_api(self) -> dict[str, str]:
        return {"error_code": self.code, "error_msg": self.error_msg}


class UnsupportedFormatError(RecognitionError):
    """Not an image, or not JPG/PNG/BMP/TIFF."""

    code = "AIS.0102"
    contract_message = "The image format is not supported."


class ImageSizeError(RecognitionError):
    """A side of the image is outside 15..8192 px."""

    code = "AIS.0103"
    contract_message = "The image size does not meet the requirements."


class PoorImageError(RecognitionError):
    """No card found, or the card is too small, blurred or dark to read."""

    code = "AIS.0104"
    contract_message = "The image is not supported or the image quality is poor."


class InternalRecognitionError(RecognitionError):
    """An unexpected failure inside recognition."""

    code = "AIS.0105"
    contract_message = "Recognition failed."

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


def after_message(message: str, reason: str) -> str:
    """``message`` followed by ``reason``: as a sentence of its own after a message that is one
    (a capital, a full stop), after a colon otherwise (the gateway's terse messages).

    >>> after_message("Recognition failed.", "the worker stopped")
    'Recognition failed. The worker stopped.'
    >>> after_message("authentication failed", "unknown access key")
    'authentication failed: unknown access key'
    >>> after_message("Recognition failed.", "")
    'Recognition failed.'
    """
    if not reason:
        return message
    if not message.endswith("."):
        return f"{message}: {reason}"
    reason = reason[0].upper() + reason[1:]
    return f"{message} {reason}" if reason.endswith((".", "?", "!")) else f"{message} {reason}."


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
        return after_message(self.contract_message, self.reason)

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

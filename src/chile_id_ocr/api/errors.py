"""The HTTP edge's errors: values with a contract code, mapped to an HTTP status here and only here.

Every failure of the service is an ``ApiError`` carrying the contract's code (``../shared/API.md``); its
``error_msg`` starts with the contract's message, unchanged, and may be followed by a specific reason.
Recognition errors (``chile_id_ocr.errors``) keep their own code and message.

>>> err = ApiError.of("APIG.0301", "unknown access key")
>>> err.status, err.to_api()
(401, {'error_code': 'APIG.0301', 'error_msg': 'authentication failed: unknown access key'})
>>> ApiError.of("AIS.0101").to_api()["error_msg"]
'The input parameter is invalid.'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from chile_id_ocr.errors import after_message


@dataclass(frozen=True)
class Code:
    """One row of the contract's error table: code, message and HTTP status."""

    code: str
    message: str
    status: int


CODES: dict[str, Code] = {
    c.code: c
    for c in (
        Code("AIS.0101", "The input parameter is invalid.", 400),
        Code("AIS.0102", "The image format is not supported.", 400),
        Code("AIS.0103", "The image size does not meet the requirements.", 400),
        Code("AIS.0104", "The image is not supported or the image quality is poor.", 400),
        Code("AIS.0105", "Recognition failed.", 400),
        Code("ModelArts.4101", "token empty", 401),
        Code("ModelArts.4102", "token cannot be parsed", 401),
        Code("ModelArts.0203", "invalid token", 401),
        Code("ModelArts.4104", "body too large", 400),
        Code("ModelArts.4105", "invalid JSON", 400),
        Code("ModelArts.4204", "service not enabled", 403),
        Code("ModelArts.4601", "bad URL", 400),
        Code("ModelArts.4603", "URL download failed", 400),
        Code("APIG.0301", "authentication failed", 401),
        Code("APIG.0308", "rate limit", 429),
        # Not in the contract's table: the cloud's API gateway answers an unknown path or method with it.
        Code("APIG.0101", "The API does not exist or has not been published.", 404),
    )
}


class ApiError(Exception):
    """A failure answered with ``{"error_code", "error_msg"}`` and the code's HTTP status."""

    def __init__(self, code: str, error_msg: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(error_msg)
        self.code = code
        self.error_msg = error_msg
        self._status = status
        self.retry_after = retry_after

    @classmethod
    def of(cls, code: str, reason: str = "", status: int | None = None, retry_after: float | None = None) -> ApiError:
        """The error for a contract ``code``: its message, then ``reason`` when given; ``status`` overrides the
        code's HTTP status (a worker crash: AIS.0105 with 503), ``retry_after`` (seconds) becomes Retry-After."""
        return cls(code, after_message(CODES[code].message, reason), status, retry_after)

    @property
    def status(self) -> int:
        return self._status or CODES[self.code].status

    def headers(self) -> dict[str, str] | None:
        """``Retry-After`` (whole seconds, at least 1) for a throttled or retryable answer."""
        if self.retry_after is None and self.status not in (429, 503):
            return None
        return {"Retry-After": str(max(1, math.ceil(self.retry_after or 1)))}

    def to_api(self) -> dict[str, str]:
        return {"error_code": self.code, "error_msg": self.error_msg}


_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}


class IdentityError(Exception):
    """A failure of ``/v3/auth/tokens``, answered in the identity service's shape."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def to_api(self) -> dict[str, dict[str, object]]:
        return {"error": {"code": self.status, "message": self.message, "title": _TITLES.get(self.status, "Error")}}

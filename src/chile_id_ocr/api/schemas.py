"""The request and response bodies, as Pydantic models: they validate input and document /docs exactly.

>>> ChileIdCardRequest.parse({"image": "QUJD", "unknown": 1}).image
'QUJD'
>>> ChileIdCardRequest.parse({"image": 1}).image
Traceback (most recent call last):
chile_id_ocr.api.errors.ApiError: The input parameter is invalid. The field 'image': input should be a valid string.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chile_id_ocr.api.errors import ApiError


class ChileIdCardRequest(BaseModel):
    """``image`` (base64) or ``url``, exactly one; the other fields are opt-in extensions."""

    model_config = ConfigDict(
        extra="ignore",
        strict=True,
        json_schema_extra={
            "description": "Exactly one of `image` and `url` (a non-empty string); at most one of `back_image` and "
            "`back_url`. Both or neither: AIS.0101.",
            "oneOf": [
                {"required": ["image"], "properties": {"image": {"type": "string", "minLength": 1}}},
                {"required": ["url"], "properties": {"url": {"type": "string", "minLength": 1}}},
            ],
        },
    )

    image: str | None = Field(
        default=None, description="Base64 of the image file (JPG, PNG, BMP, TIFF), at most 10 MB."
    )
    url: str | None = Field(default=None, description="http(s) URL of the image; same limits.")
    details: bool = Field(default=False, description="Extension: add the `details` object to the response.")
    back_image: str | None = Field(default=None, description="Extension: base64 of the card's back, for two sides.")
    back_url: str | None = Field(default=None, description="Extension: URL of the card's back.")
    crops: bool = Field(
        default=False,
        description="Extension: the front's portrait, signature and ghost portrait (PNG, base64) in "
        "`details.crops`; implies `details`.",
    )

    @classmethod
    def parse(cls, data: Any) -> ChileIdCardRequest:
        """The request, or AIS.0101 for a wrong type, both or neither of image/url, or two backs."""
        if not isinstance(data, dict):
            raise ApiError.of("AIS.0101", "the body must be a JSON object")
        try:
            request = cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            message = str(first["msg"])
            raise ApiError.of("AIS.0101", f"the field {where!r}: {message[:1].lower()}{message[1:]}") from None
        if bool(request.image) == bool(request.url):
            raise ApiError.of("AIS.0101", "give exactly one of image and url")
        if request.back_image and request.back_url:
            raise ApiError.of("AIS.0101", "give at most one of back_image and back_url")
        return request


class ChileIdCardConfidence(BaseModel):
    surname: float
    given_name: float
    nationality: float
    sex: float
    birth: float
    document_number: float
    issue_date: float
    expiry_date: float
    number: float


class ChileIdCardResult(BaseModel):
    surname: list[str]
    given_name: str
    nationality: str
    sex: str
    birth: str
    document_number: str
    issue_date: str
    expiry_date: str
    number: str
    confidence: ChileIdCardConfidence


class ChileIdCardResponse(BaseModel):
    """HTTP 200. ``details`` is present only when the request asked for it."""

    result: ChileIdCardResult
    details: dict[str, Any] | None = Field(default=None, description='Extension, only with `"details": true`.')


class ErrorResponse(BaseModel):
    error_code: str = Field(examples=["AIS.0104"])
    error_msg: str = Field(examples=["The image is not supported or the image quality is poor."])


class UsageResponse(BaseModel):
    project_id: str
    calls: int
    successes: int
    failures: dict[str, int]
    recognition_seconds: float


class _Name(BaseModel):
    name: str


class _Id(BaseModel):
    id: str


class _TokenUser(BaseModel):
    name: str
    password: str
    domain: _Name


class _TokenPassword(BaseModel):
    user: _TokenUser


class _TokenIdentity(BaseModel):
    methods: list[str] = Field(
        description='Authentication methods; must include "password", the only one supported.',
        json_schema_extra={"contains": {"const": "password"}},
    )
    password: _TokenPassword


class _TokenScope(BaseModel):
    project: _Id


class _TokenAuth(BaseModel):
    identity: _TokenIdentity
    scope: _TokenScope | None = None  # none: an unscoped token, good only for GET /v3/auth/projects (as in Keystone)


class TokenRequest(BaseModel):
    """The identity service's password method, scoped to a project (or unscoped, to list the user's projects)."""

    auth: _TokenAuth


class _TokenDomain(BaseModel):
    id: str
    name: str


class _TokenUserOut(BaseModel):
    id: str
    name: str
    domain: _TokenDomain


class _TokenProject(BaseModel):
    id: str
    name: str
    domain: _TokenDomain


class _TokenBody(BaseModel):
    methods: list[str] = Field(examples=[["password"]])
    issued_at: str
    expires_at: str
    user: _TokenUserOut
    project: _TokenProject | None = Field(default=None, description="Absent from an unscoped token.")
    roles: list[Any]
    catalog: list[Any]


class TokenResponse(BaseModel):
    """HTTP 201; the token itself is in the ``X-Subject-Token`` header."""

    token: _TokenBody

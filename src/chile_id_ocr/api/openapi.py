"""The OpenAPI document at ``/docs``: the contract's error responses of a route, request bodies the routes
read themselves (under a size limit), and no FastAPI-generated 422 responses."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from chile_id_ocr.api.errors import CODES
from chile_id_ocr.api.schemas import ErrorResponse


def error_responses(*codes: str) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        entry = out.setdefault(CODES[code].status, {"model": ErrorResponse, "description": ""})
        entry["description"] = (entry["description"] + f" {code}").strip()
    return out


def request_body(model: type[Any]) -> dict[str, Any]:
    """The OpenAPI request body of ``model`` (routes read their bodies themselves, under a size limit)."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return inline(definitions[ref.removeprefix("#/$defs/")])
            return {k: inline(v) for k, v in node.items()}
        return [inline(v) for v in node] if isinstance(node, list) else node

    return {"requestBody": {"required": True, "content": {"application/json": {"schema": inline(schema)}}}}


def without_validation_errors(app: FastAPI) -> None:
    """Drop FastAPI's generated 422 responses from /docs: invalid input is answered AIS.0101 (400)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = build()
            for path in spec["paths"].values():
                for operation in path.values():
                    operation.get("responses", {}).pop("422", None)
            for name in ("HTTPValidationError", "ValidationError"):
                spec.get("components", {}).get("schemas", {}).pop(name, None)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

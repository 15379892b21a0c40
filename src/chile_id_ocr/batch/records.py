"""One card in, one record out: what ``chile-id-ocr recognize`` prints per line and ``batch`` writes per card.

A record is the contract's ``result`` (and ``details`` on request) or its ``error_code``/``error_msg``, after
the names of the files read. Reading a file that cannot be read is AIS.0102, like an image that is not one;
a file over ``MAX_FILE_BYTES`` (64 MiB) is AIS.0103, and no more than that is read of it.
``Outcome`` adds what the batch summary and the flat formats need: the card's checks, side and design,
taken from ``Recognition.details()`` whether or not the record carries the details.

>>> item = Item("card-1", "/nowhere/front.jpg")
>>> outcome = recognize_item(item)
>>> outcome.record["id"], outcome.record["error_code"]
('card-1', 'AIS.0102')
>>> outcome.record["error_msg"]
'The image format is not supported. Cannot read the file: No such file or directory.'
>>> Outcome.from_json(outcome.to_json()) == outcome
True
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from chile_id_ocr.errors import ImageSizeError, RecognitionError, UnsupportedFormatError

URL_MARK = "://"
MAX_FILE_BYTES = 64 * 1024 * 1024  # a card's scan is a few MB; the service takes 10 MB
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Item:
    """One card to read: its id, the front's location (a path or a URL) and, optionally, the back's."""

    id: str
    front: str
    back: str | None = None


@dataclass(frozen=True)
class Outcome:
    """A record and the facts the summary and the flat formats read from it (empty for an error)."""

    record: dict[str, Any]
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def error_code(self) -> str | None:
        return self.record.get("error_code")

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Outcome:
        data = json.loads(text)
        return cls(record=data["record"], facts=data.get("facts") or {})


def read_location(location: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes at a path, or at a URL through fsspec (``pip install 'chile-id-ocr[fsspec]'``), read a MiB at a
    time up to ``limit``: past it (a file no card's image is, ``/dev/zero`` behind a link) an ``ImageSizeError``."""
    if URL_MARK not in location:
        with open(location, "rb") as handle:
            return _read_capped(handle, limit)
    import fsspec  # the sources refuse URLs up front when fsspec is missing

    with fsspec.open(location, "rb") as handle:
        return _read_capped(handle, limit)


def _read_capped(handle: IO[bytes], limit: int) -> bytes:
    chunks, size = [], 0
    while size <= limit and (chunk := handle.read(min(_CHUNK, limit + 1 - size))):
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise ImageSizeError(f"the file is over {limit // _CHUNK} MiB, more than any card's image")
    return b"".join(chunks)


def _read_or_error(location: str) -> bytes | RecognitionError:
    try:
        return read_location(location)
    except RecognitionError as err:
        return err
    except OSError as exc:
        return UnsupportedFormatError(f"cannot read the file: {exc.strerror or exc}")
    except Exception as exc:  # a remote filesystem's own errors (credentials, network)
        return UnsupportedFormatError(f"cannot read the file: {type(exc).__name__}")


def recognize_files(
    front: str, back: str | None = None, *, details: bool = False, crops: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read a card from its files: the record's body (``result`` [+ ``details``] or the error) and its facts;
    ``crops`` adds the front's pictures to the details (and the details to the record)."""
    from chile_id_ocr import recognize

    data = _read_or_error(front)
    back_data = None if back is None else _read_or_error(back)
    for got in (data, back_data):
        if isinstance(got, RecognitionError):
            return got.to_api(), {}
    assert isinstance(data, bytes) and not isinstance(back_data, RecognitionError)  # returned above
    try:
        recognition = recognize(data, back=back_data, details=details, crops=crops)
    except RecognitionError as err:
        return err.to_api(), {}
    extension = recognition.details()
    body: dict[str, Any] = {"result": recognition.to_api()}
    if details or crops:
        body["details"] = extension
    facts = {key: extension.get(key) for key in ("side", "card_type", "checks")}
    return body, facts


def files_head(front: str, back: str | None) -> dict[str, Any]:
    """The names of the files read, as the CLI's lines start: ``file`` and, for both sides, ``back``."""
    return {"file": front} if back is None else {"file": front, "back": back}


def recognize_item(item: Item, details: bool = False, crops: bool = False) -> Outcome:
    """The batch record of one card: its ``id``, the files read, then the result or the error."""
    body, facts = recognize_files(item.front, item.back, details=details, crops=crops)
    return Outcome({"id": item.id, **files_head(item.front, item.back), **body}, facts)

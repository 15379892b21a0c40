"""The cards of a batch, streamed from its inputs: files, directories, glob patterns and manifests.

- a file is one card (its side found by the reader), whatever its extension: a non-image is an AIS.0102 record;
- a directory is every image under it (``.jpg .jpeg .png .bmp .tif .tiff``, any case), recursively, in name order;
- a glob pattern (``cards/**/*.jpg``) is the images it matches;
- a manifest (``.csv``, or ``.jsonl``/``.ndjson``) lists cards with ``id``, ``front`` and optionally ``back``: the
  only way to read both sides of a card together. Relative paths are relative to the manifest; ``id`` defaults
  to the front's path.

Any input, and any path in a manifest, may be a URL (``s3://``, ``gs://``, ``file://``...), read through fsspec
(``pip install 'chile-id-ocr[fsspec]'`` and the filesystem's own package, e.g. ``s3fs``). Nothing is listed
ahead: each input is walked as it is read, so a million-card manifest costs no memory. A problem with the
inputs themselves (a missing input, a manifest without ``front``) is a ``SourceError`` naming the place.

>>> is_image("scans/Card_01.JPG"), is_image("scans/truth.json")
(True, False)
>>> next(iter(Sources(("/nowhere/front.jpg",))))
Traceback (most recent call last):
...
chile_id_ocr.batch.sources.SourceError: no such file, directory or pattern: /nowhere/front.jpg
"""

from __future__ import annotations

import csv
import glob
import io
import json
import os
import posixpath
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import IO, Any

from chile_id_ocr.batch.records import URL_MARK, Item

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff"})
MANIFEST_EXTENSIONS = frozenset({".csv", ".jsonl", ".ndjson"})
GLOB_CHARS = frozenset("*?[")
FSSPEC_HINT = "pip install 'chile-id-ocr[fsspec]'"


class SourceError(ValueError):
    """The inputs cannot be read as asked (a usage error, exit status 2)."""


def _extension(location: str) -> str:
    return posixpath.splitext(location.lower())[1]


def is_image(location: str) -> bool:
    return _extension(location) in IMAGE_EXTENSIONS


def is_manifest(location: str) -> bool:
    return _extension(location) in MANIFEST_EXTENSIONS


@cache
def require_protocol(protocol: str) -> None:
    """Fail early, once per protocol, when fsspec or the filesystem's package is missing."""
    try:
        import fsspec
    except ImportError as exc:
        raise SourceError(f"{protocol}:// inputs are read through fsspec: {FSSPEC_HINT}") from exc
    try:
        fsspec.get_filesystem_class(protocol)
    except (ImportError, ValueError) as exc:
        raise SourceError(f"cannot read {protocol}:// inputs: {exc}") from exc


def _check_location(location: str) -> str:
    if URL_MARK in location:
        require_protocol(location.split(URL_MARK, 1)[0])
    return location


@dataclass(frozen=True)
class Sources:
    """The command line's INPUTs; iterating yields the cards, again from the start each time."""

    inputs: tuple[str, ...]

    def __iter__(self) -> Iterator[Item]:
        for spec in self.inputs:
            yield from expand(spec)


def expand(spec: str) -> Iterator[Item]:
    """The cards of one input."""
    if URL_MARK in spec:
        yield from _expand_url(spec)
    elif is_manifest(spec) and os.path.isfile(spec):
        yield from read_manifest(spec)
    elif os.path.isdir(spec):
        yield from _as_items(_walk(spec))
    elif os.path.lexists(spec):
        yield Item(spec, spec)
    elif GLOB_CHARS & set(spec):
        yield from _as_items(p for p in glob.iglob(spec, recursive=True) if is_image(p) and not os.path.isdir(p))
    else:
        raise SourceError(f"no such file, directory or pattern: {spec}")


def _as_items(locations: Iterable[str]) -> Iterator[Item]:
    return (Item(location, location) for location in locations)


def _walk(top: str) -> Iterator[str]:
    for root, dirs, files in os.walk(top):
        dirs.sort()
        yield from (os.path.join(root, name) for name in sorted(files) if is_image(name))


def _expand_url(spec: str) -> Iterator[Item]:
    protocol = spec.split(URL_MARK, 1)[0]
    require_protocol(protocol)
    import fsspec

    fs, path = fsspec.core.url_to_fs(spec)
    if is_manifest(spec):
        yield from read_manifest(spec)
    elif GLOB_CHARS & set(path):
        yield from _as_items(fs.unstrip_protocol(p) for p in sorted(fs.glob(path)) if is_image(p))
    elif fs.isdir(path):
        yield from _as_items(fs.unstrip_protocol(p) for p in sorted(fs.find(path)) if is_image(p))
    elif fs.exists(path):
        yield Item(spec, spec)
    else:
        raise SourceError(f"no such file, directory or pattern: {spec}")


@contextmanager
def _open_text(location: str) -> Iterator[IO[str]]:
    if URL_MARK in location:
        import fsspec

        with fsspec.open(location, "rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
            yield text
    else:
        with open(location, encoding="utf-8-sig", newline="") as text:
            yield text


def _resolver(manifest: str) -> Callable[[str], str]:
    """Relative paths in a manifest are relative to the manifest's folder (or URL)."""
    if URL_MARK in manifest:
        base = manifest.rsplit("/", 1)[0]
        return lambda p: p if URL_MARK in p or p.startswith("/") else f"{base}/{p}"
    base = os.path.dirname(manifest)
    return lambda p: p if URL_MARK in p or os.path.isabs(p) else os.path.join(base, p)


def _rows(manifest: str, text: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    if _extension(manifest) == ".csv":
        reader = csv.DictReader(text)
        if "front" not in (reader.fieldnames or ()):
            raise SourceError(f"{manifest}: no 'front' column (columns: id, front, back)")
        for row in reader:
            yield reader.line_num, row
        return
    for number, line in enumerate(text, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SourceError(f"{manifest} line {number}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise SourceError(f"{manifest} line {number}: not an object with id, front, back")
        yield number, row


def _text(row: dict[str, Any], key: str, where: str) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SourceError(f"{where}: '{key}' is not text")
    return value.strip()


def read_manifest(manifest: str) -> Iterator[Item]:
    """The cards a CSV or JSON-lines manifest lists, read a row at a time."""
    resolve = _resolver(manifest)
    with _open_text(manifest) as text:
        for number, row in _rows(manifest, text):
            where = f"{manifest} line {number}"
            front, back = _text(row, "front", where), _text(row, "back", where)
            if not front:
                raise SourceError(f"{where}: no front image")
            front = _check_location(resolve(front))
            back_location = _check_location(resolve(back)) if back else None
            yield Item(_text(row, "id", where) or front, front, back_location)

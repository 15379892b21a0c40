"""The cards of a batch, streamed from its inputs: files, directories, glob patterns and manifests.

- a file is one card (its side found by the reader), whatever its extension: a non-image is an AIS.0102 record;
- a directory is every image under it (``.jpg .jpeg .png .bmp .tif .tiff``, any case), recursively, in name order;
- a glob pattern (``cards/**/*.jpg``) is the images it matches;
- a manifest (``.csv``, or ``.jsonl``/``.ndjson``) lists cards with ``id``, ``front`` and optionally ``back``: the
  only way to read both sides of a card together. Relative paths are relative to the manifest; ``id`` defaults
  to the front's path. A manifest is data, not a command line: its rows may only name files inside the
  manifest's folder (symbolic links resolved; for a URL manifest, under its URL's folder on the same
  filesystem) unless ``allow_outside`` (``--allow-outside-paths``). It is read a row at a time with bounds: a
  row (a JSON line, a CSV record) of at most ``MAX_ROW_BYTES`` bytes, JSON nested at most
  ``MAX_JSON_DEPTH`` deep, so a hostile manifest costs neither memory nor a traceback.

Any input, and any path in a manifest, may be a URL (``s3://``, ``gs://``, ``file://``...), read through fsspec
(``pip install 'chile-id-ocr[fsspec]'`` and the filesystem's own package, e.g. ``s3fs``). Nothing is listed
ahead: each input is walked as it is read, so a million-card manifest costs no memory. A problem with the
inputs themselves (a missing input, a manifest without ``front``, a row too long or outside the manifest's
folder) is a ``SourceError`` naming the file and the line.

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
import json
import os
import posixpath
import re
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
MAX_ROW_BYTES = 64 * 1024  # a manifest row holds an id and two paths; csv's own field limit (128 Ki) is above it
MAX_JSON_DEPTH = 16  # a row is one flat object; room for a little nested metadata beside id, front, back
OUTSIDE_FLAG = "--allow-outside-paths"


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
    allow_outside: bool = False

    def __iter__(self) -> Iterator[Item]:
        for spec in self.inputs:
            yield from expand(spec, self.allow_outside)


def expand(spec: str, allow_outside: bool = False) -> Iterator[Item]:
    """The cards of one input (``allow_outside``: a manifest's rows may name files outside its folder)."""
    if URL_MARK in spec:
        yield from _expand_url(spec, allow_outside)
    elif is_manifest(spec) and os.path.isfile(spec):
        yield from read_manifest(spec, allow_outside)
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


def _expand_url(spec: str, allow_outside: bool) -> Iterator[Item]:
    protocol = spec.split(URL_MARK, 1)[0]
    require_protocol(protocol)
    import fsspec

    fs, path = fsspec.core.url_to_fs(spec)
    if is_manifest(spec):
        yield from read_manifest(spec, allow_outside)
    elif GLOB_CHARS & set(path):
        yield from _as_items(fs.unstrip_protocol(p) for p in sorted(fs.glob(path)) if is_image(p))
    elif fs.isdir(path):
        yield from _as_items(fs.unstrip_protocol(p) for p in sorted(fs.find(path)) if is_image(p))
    elif fs.exists(path):
        yield Item(spec, spec)
    else:
        raise SourceError(f"no such file, directory or pattern: {spec}")


@contextmanager
def _open_bytes(location: str) -> Iterator[IO[bytes]]:
    if URL_MARK in location:
        import fsspec

        with fsspec.open(location, "rb") as raw:
            yield raw
    else:
        with open(location, "rb") as raw:
            yield raw


def _resolver(manifest: str) -> Callable[[str], str]:
    """Relative paths in a manifest are relative to the manifest's folder (or URL)."""
    if URL_MARK in manifest:
        base = manifest.rsplit("/", 1)[0]
        return lambda p: p if URL_MARK in p or p.startswith("/") else f"{base}/{p}"
    base = os.path.dirname(manifest)
    return lambda p: p if URL_MARK in p or os.path.isabs(p) else os.path.join(base, p)


def _place(location: str) -> tuple[str, str]:
    """Where a location really is: its filesystem and its normalised path (a local one with links resolved)."""
    if URL_MARK not in location:
        return "file", os.path.realpath(location)
    protocol = location.split(URL_MARK, 1)[0]
    import fsspec

    path = fsspec.get_filesystem_class(protocol)._strip_protocol(location)
    if protocol in ("file", "local"):
        return "file", os.path.realpath(path)
    return protocol, posixpath.normpath(path)


def _within(manifest: str) -> Callable[[str], str | None]:
    """For a location a manifest names: ``None`` when it is inside the manifest's folder, else that folder."""
    protocol, path = _place(manifest)
    folder = (os.path if protocol == "file" else posixpath).dirname(path)

    def outside(location: str) -> str | None:
        where, target = _place(location)
        common = os.path if where == "file" else posixpath
        try:
            inside = where == protocol and common.commonpath([folder, target]) == folder
        except ValueError:  # one absolute and one relative path: not the same tree
            inside = False
        return None if inside else folder

    return outside


class _Rows:
    """A manifest's lines, each read with a bound and decoded alone (UTF-8; a byte-order mark is dropped): a row
    past ``MAX_ROW_BYTES`` is refused before it is held. ``number`` is the last line read; ``start_row`` begins a
    row (a CSV record may span lines).
    """

    def __init__(self, manifest: str, raw: IO[bytes]) -> None:
        self.manifest, self.raw = manifest, raw
        self.number = 0
        self._bytes = 0

    def start_row(self) -> None:
        self._bytes = 0

    def error(self, message: str) -> SourceError:
        return SourceError(f"{self.manifest} line {self.number}: {message}")

    def __iter__(self) -> Iterator[str]:
        while line := self.raw.readline(MAX_ROW_BYTES + 1):
            self.number += 1
            self._bytes += len(line)
            if self._bytes > MAX_ROW_BYTES:
                raise self.error(f"a row of more than {MAX_ROW_BYTES} bytes (a row is an id and two paths)")
            try:
                yield line.decode("utf-8-sig" if self.number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise self.error("not UTF-8 text") from exc


_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|["\[\]{}]')


def json_depth(line: str, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep the arrays and objects of a JSON line nest (brackets in strings do not count), up to ``limit + 1``:
    checked before ``json.loads``, whose recursion a line of brackets would otherwise exhaust. Linear in the line.

    >>> json_depth('{"front": "a[{.jpg", "tags": [["x"]]}'), json_depth("[" * 100_000, limit=16)
    (3, 17)
    """
    depth = deepest = 0
    for match in _JSON_TOKENS.finditer(line):
        token = match[0]
        if token == '"':
            break  # a string that never ends: not JSON, as json.loads will say
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                break
        elif token in "]}":
            depth -= 1
    return deepest


def _csv_rows(manifest: str, lines: _Rows) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(lines)
    try:
        if "front" not in (reader.fieldnames or ()):
            raise SourceError(f"{manifest}: no 'front' column (columns: id, front, back)")
        while True:
            lines.start_row()
            row = next(reader, None)
            if row is None:
                return
            yield reader.line_num, row
    except csv.Error as exc:
        raise lines.error(f"not CSV ({exc})") from exc


def _rows(manifest: str, raw: IO[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
    lines = _Rows(manifest, raw)
    if _extension(manifest) == ".csv":
        yield from _csv_rows(manifest, lines)
        return
    for line in lines:
        lines.start_row()
        if not line.strip():
            continue
        if json_depth(line) > MAX_JSON_DEPTH:
            raise lines.error(f"JSON nested more than {MAX_JSON_DEPTH} deep (a row is one object: id, front, back)")
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise lines.error(f"not JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise lines.error("not an object with id, front, back")
        yield lines.number, row


def _text(row: dict[str, Any], key: str, where: str) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SourceError(f"{where}: '{key}' is not text")
    return value.strip()


def read_manifest(manifest: str, allow_outside: bool = False) -> Iterator[Item]:
    """The cards a CSV or JSON-lines manifest lists, read a row at a time (see the module's docstring)."""
    resolve = _resolver(manifest)
    outside = None if allow_outside else _within(manifest)

    def locate(path: str, where: str) -> str:
        location = _check_location(resolve(path))
        folder = outside(location) if outside is not None else None
        if folder is not None:
            raise SourceError(f"{where}: {path} is outside the manifest's folder {folder} ({OUTSIDE_FLAG} reads it)")
        return location

    with _open_bytes(manifest) as raw:
        for number, row in _rows(manifest, raw):
            where = f"{manifest} line {number}"
            front, back = _text(row, "front", where), _text(row, "back", where)
            if not front:
                raise SourceError(f"{where}: no front image")
            front = locate(front, where)
            yield Item(_text(row, "id", where) or front, front, locate(back, where) if back else None)

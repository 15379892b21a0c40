"""The inputs of a batch: folders, globs, manifests (CSV, JSON lines, through fsspec), and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import fsspec
import pytest

from chile_id_ocr.batch.records import Item
from chile_id_ocr.batch.sources import SourceError, Sources


def _touch(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"x")


def test_folders_are_walked_recursively_for_images_in_name_order(tmp_path: Path) -> None:
    _touch(tmp_path, "b/2.png", "b/1.JPG", "a.jpeg", "a.json", "notes.txt", "c/d/e.tiff", "c/d/f.bmp")
    ids = [item.id for item in Sources((str(tmp_path),))]
    assert ids == [str(tmp_path / n) for n in ("a.jpeg", "b/1.JPG", "b/2.png", "c/d/e.tiff", "c/d/f.bmp")]


def test_a_file_is_one_card_whatever_its_name_and_a_glob_takes_images(tmp_path: Path) -> None:
    _touch(tmp_path, "x/1.jpg", "x/y/2.png", "x/truth.json", "notes.txt")
    files = list(Sources((str(tmp_path / "notes.txt"), str(tmp_path / "x" / "**" / "*"))))
    assert files[0] == Item(str(tmp_path / "notes.txt"), str(tmp_path / "notes.txt"))
    assert sorted(item.front for item in files[1:]) == [str(tmp_path / "x/1.jpg"), str(tmp_path / "x/y/2.png")]


def test_csv_manifest_pairs_sides_and_resolves_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    manifest = tmp_path / "m" / "cards.csv"
    # Excel writes a byte-order mark; ids default to the front; absolute paths and URLs stay as they are (outside
    # the manifest's folder: read only when the operator allows it).
    manifest.write_text(
        "\ufeffid,front,back\ncard-1,f1.jpg,b1.jpg\n,/abs/f2.jpg,\n card-3 ,memory://bucket/f3.jpg,\n",
        encoding="utf-8",
    )
    assert list(Sources((str(manifest),), allow_outside=True)) == [
        Item("card-1", str(tmp_path / "m" / "f1.jpg"), str(tmp_path / "m" / "b1.jpg")),
        Item("/abs/f2.jpg", "/abs/f2.jpg"),
        Item("card-3", "memory://bucket/f3.jpg"),
    ]


def test_jsonl_manifest(tmp_path: Path) -> None:
    manifest = tmp_path / "cards.jsonl"
    rows = [{"id": "a", "front": "f.jpg", "back": "b.jpg"}, {}, {"front": "g.png"}]
    manifest.write_text("\n".join(json.dumps(r) if r else "" for r in rows) + "\n")
    assert list(Sources((str(manifest),))) == [
        Item("a", str(tmp_path / "f.jpg"), str(tmp_path / "b.jpg")),
        Item(str(tmp_path / "g.png"), str(tmp_path / "g.png")),
    ]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("m.csv", "id,image\na,f.jpg\n", "no 'front' column"),
        ("m.csv", "id,front\na,\n", "m.csv line 2: no front image"),
        ("m.jsonl", '{"front": "a.jpg"}\n{"front": \n', "m.jsonl line 2: not JSON"),
        ("m.jsonl", '["a.jpg"]\n', "line 1: not an object"),
        ("m.jsonl", '{"front": 3}\n', "'front' is not text"),
        ("m.csv", "front\nnosuchfs://bucket/a.jpg\n", "cannot read nosuchfs:// inputs"),
        ("m.csv", 'front\n"a.jpg\n' + "b\n" * 40_000, "m.csv line 32767: a row of more than 65536 bytes"),
        ("m.csv", "front\n" + "x" * 70_000 + "\n", "m.csv line 2: a row of more than 65536 bytes"),
        ("m.jsonl", '{"front": "a.jpg"}\n{"x": ' + "[" * 20 + "]" * 20 + "}\n", "line 2: JSON nested more than 16"),
        ("m.jsonl", '{"front": "a[[[[[[[[[[[[[[[[[[[[.jpg"}\n{"front": "\n', "line 2: not JSON"),
    ],
)
def test_manifest_problems_name_the_place(tmp_path: Path, name: str, text: str, message: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(SourceError, match=message):
        list(Sources((str(tmp_path / name),)))


def test_a_manifest_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_bytes(b"front\na.jpg\n\xff\xfe.jpg\n")
    with pytest.raises(SourceError, match=r"m.csv line 3: not UTF-8 text"):
        list(Sources((str(tmp_path / "m.csv"),)))


def test_manifest_rows_stay_in_the_manifests_folder_unless_allowed(tmp_path: Path) -> None:
    (tmp_path / "m" / "sub").mkdir(parents=True)
    (tmp_path / "secret.jpg").write_bytes(b"x")
    (tmp_path / "m" / "sub" / "link.jpg").symlink_to(tmp_path / "secret.jpg")  # inside by name, outside for real
    inside = ["sub/a.jpg", f"{tmp_path}/m/b.jpg", "sub/../c.jpg", (tmp_path / "m" / "d.jpg").as_uri()]
    outside = ["../secret.jpg", str(tmp_path / "secret.jpg"), "sub/link.jpg", "/etc/passwd",
               (tmp_path / "secret.jpg").as_uri(), "memory://bucket/e.jpg"]  # fmt: skip
    for number, path in enumerate(outside):
        manifest = tmp_path / "m" / f"cards{number}.jsonl"
        manifest.write_text("".join(json.dumps({"front": p}) + "\n" for p in inside) + json.dumps({"back": path,
                            "front": "f.jpg"}) + "\n")  # fmt: skip
        with pytest.raises(SourceError, match=rf"cards{number}.jsonl line 5: .* is outside the manifest's folder "
                           rf"{tmp_path}/m \(--allow-outside-paths reads it\)"):  # fmt: skip
            list(Sources((str(manifest),)))
        assert len(list(Sources((str(manifest),), allow_outside=True))) == 5


def test_a_missing_input_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file, directory or pattern"):
        list(Sources((str(tmp_path / "nope"),)))


def test_urls_are_listed_through_fsspec() -> None:
    fs = fsspec.filesystem("memory")
    for name in ("cards/a.jpg", "cards/sub/b.png", "cards/readme.txt"):
        fs.pipe(f"/batch-test/{name}", b"x")
    fs.pipe("/batch-test/m.jsonl", json.dumps({"id": "k", "front": "cards/a.jpg"}).encode() + b"\n")
    try:
        folder = [item.front for item in Sources(("memory://batch-test/cards",))]
        pattern = [item.front for item in Sources(("memory://batch-test/cards/*.jpg",))]
        manifest = list(Sources(("memory://batch-test/m.jsonl",)))
    finally:
        fs.rm("/batch-test", recursive=True)
    assert folder == ["memory:///batch-test/cards/a.jpg", "memory:///batch-test/cards/sub/b.png"]
    assert pattern == ["memory:///batch-test/cards/a.jpg"]
    assert manifest == [Item("k", "memory://batch-test/cards/a.jpg")]

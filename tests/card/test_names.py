"""Names as read: a missing accent or a lost letter makes them doubtful, never corrected."""

from __future__ import annotations

import pytest

from chile_id_ocr.card import names


@pytest.mark.parametrize(
    ("read", "usual"),
    [("GONZALEZ", "GONZÁLEZ"), ("JOAQUIN", "JOAQUÍN"), ("NUNEZ", "NÚÑEZ"), ("NÚNEZ", "NÚÑEZ"), ("OSCAR", "ÓSCAR")],
)
def test_a_common_name_read_without_its_accent_is_doubtful(read: str, usual: str) -> None:
    assert names.accent_doubt(read) == usual
    assert usual in names.doubt(f"{read} SILVA")


@pytest.mark.parametrize("name", ["GONZÁLEZ", "ROJAS", "DE LA BARRA", "MAC-IVER", "SAN MARTÍN", "LI", "VAN DER BERG"])
def test_names_as_usually_written_are_not_doubtful(name: str) -> None:
    assert names.doubt(name) == ""


@pytest.mark.parametrize(
    ("name", "short"), [("NO MÍ", ("NO", "MÍ")), ("MAT AS HERNÁN", ("AS",)), ("HUENCHUL ÁN", ("ÁN",))]
)
def test_one_or_two_letter_fragments_are_doubtful(name: str, short: tuple[str, ...]) -> None:
    assert names.fragments(name) == short
    assert names.doubt(name)

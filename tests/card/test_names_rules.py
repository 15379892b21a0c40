"""The name rules at their edges (``card/names.py``): where a DE LA lost its spaces, and how long
one name's word may be."""

from __future__ import annotations

import pytest

from chile_id_ocr.card import names


@pytest.mark.parametrize(
    ("read", "usual"),
    [
        ("DE LAPAZ SOTO", "DE LA PAZ SOTO"),  # the words after it are kept
        ("DE LAPAZ", "DE LA PAZ"),
        ("DELA PAZ", "DE LA PAZ"),
        ("DELAPAZ", "DE LA PAZ"),  # both spaces lost
        ("ROJAS DELOSRÍOS", "ROJAS DE LOS RÍOS"),
        ("DE LAS CASAS", "DE LAS CASAS"),  # LAS is a particle of its own, not LA + S
        ("DE LA PAZ", "DE LA PAZ"),
        ("JUAN DE", "JUAN DE"),  # a DE at the end
        ("LAPAZ", "LAPAZ"),  # no DE before it
        ("MANRIQUE DE LARA", "MANRIQUE DE LARA"),  # a surname: LA + two letters is no word
        ("DELANO", "DELANO"),
        ("DELGADO", "DELGADO"),  # DEL begins names too: only a word names put after it is split off
        ("DELIA", "DELIA"),
        ("SOTO DELRÍO", "SOTO DEL RÍO"),
        ("MARÍA DELCARMEN", "MARÍA DEL CARMEN"),
        ("DEL CAMPO", "DEL CAMPO"),
    ],
)
def test_the_spaces_are_put_back_after_a_de_la_that_lost_them(read: str, usual: str) -> None:
    expected = () if usual == read else (usual,)
    assert names.particles_apart(read) == expected
    assert names.doubt(read) == ("" if usual == read else f"{read}: may be {usual}, a space lost")


def test_each_lost_space_is_put_back_and_each_way_to_put_it_back_is_offered() -> None:
    assert names.particles_apart("ANA DE LAPAZ DE LALUZ") == ("ANA DE LA PAZ DE LA LUZ",)
    assert names.particles_apart("DELASHERAS") == ("DE LA SHERAS", "DE LAS HERAS")


def test_a_word_of_twelve_letters_is_one_name_thirteen_are_two() -> None:
    assert names.LONGEST_WORD == 12
    assert names.run_together("HUENCHUMILLA") == ()  # 12 letters
    assert names.run_together("CONCEPCIÓN HUENCHUMILLAS") == ("HUENCHUMILLAS",)  # 13
    assert names.run_together("ANA-HUENCHUMILLA") == ()


def test_the_ways_to_space_a_name_are_bounded() -> None:
    """Each run-together DE LAS.. chain can be spaced two ways; a line of many offers a few, not 2 ** n."""
    forms = names.particles_apart(" ".join(["DELASHERAS"] * 6))
    assert 1 <= len(forms) <= 8
    assert forms[0] == " ".join(["DE LA SHERAS"] * 6)

"""The 2013 front's layout as a printed design (``card/layouts.py``): what holds between its lines
whatever their measured positions are. A line moved by a slip in the table breaks one of these:
every line lies on the card, each value one line below its label and aligned with it, the rows
share their baselines, a row's two columns meet, values share one height and labels are smaller,
the titles and the large RUN share the card's left margin."""

from __future__ import annotations

import pytest

from chile_id_ocr.card.layouts import FRONT_2013, LABELLED, LineSpec

LABEL_OF = {
    "surname_1": "label_apellidos",
    "given_name": "label_nombres",
    "nationality": "label_nacionalidad",
    "sex": "label_sexo",
    "birth": "label_nacimiento",
    "document_number": "label_documento",
    "issue_date": "label_emision",
    "expiry_date": "label_vencimiento",
}
ROWS = [("nationality", "sex"), ("birth", "document_number"), ("issue_date", "expiry_date")]
DATA_VALUES = ["surname_1", "surname_2", "given_name", *(name for row in ROWS for name in row)]


def line(name: str) -> LineSpec:
    for spec in (*FRONT_2013.lines, *FRONT_2013.marks):
        if spec.name == name:
            return spec
    raise KeyError(name)


@pytest.mark.parametrize("spec", [*FRONT_2013.lines, *FRONT_2013.marks], ids=lambda spec: spec.name)
def test_every_line_lies_on_the_card(spec: LineSpec) -> None:
    left, right = spec.column
    assert 0 <= left < right <= 1
    assert 0 < spec.y - spec.height / 2 < spec.y + spec.height / 2 < 1


@pytest.mark.parametrize(("value", "label"), LABEL_OF.items())
def test_each_value_is_printed_one_line_below_its_label_from_its_left_edge(value: str, label: str) -> None:
    assert 0.040 <= line(value).y - line(label).y <= 0.050
    assert line(value).x0 == line(label).x0
    assert line(label).text in LABELLED and value in LABELLED[line(label).text]


def test_the_second_surname_is_one_value_line_below_the_first() -> None:
    assert 0.050 <= line("surname_2").y - line("surname_1").y <= 0.056
    assert line("surname_2").column == line("surname_1").column


@pytest.mark.parametrize(("left", "right"), ROWS)
def test_a_row_shares_its_baselines_and_its_columns_meet(left: str, right: str) -> None:
    assert line(left).y == line(right).y
    assert line(LABEL_OF[left]).y == line(LABEL_OF[right]).y
    assert line(left).column[1] == line(right).x0  # the left value may run up to the right column
    assert line(LABEL_OF[left]).column[1] <= line(right).x0


def test_the_rows_follow_each_other_down_the_card() -> None:
    ys = [line(name).y for name in ("surname_1", "surname_2", "given_name", "nationality", "birth", "issue_date")]
    assert ys == sorted(ys)
    assert line("label_firma").y - line("issue_date").y >= 0.04  # the signature's label below the last row


def test_the_values_share_one_height_and_the_labels_are_smaller() -> None:
    heights = {line(name).height for name in DATA_VALUES}
    assert len(heights) == 1
    (value_height,) = heights
    assert {line(label).height for label in LABEL_OF.values()} == {line("label_firma").height}
    assert line("label_firma").height < value_height
    assert line("run_small").height < value_height < line("run_large").height


def test_the_names_and_the_document_number_end_at_the_data_block_s_right_edge() -> None:
    edges = {line(name).column[1] for name in ("surname_1", "surname_2", "given_name", "document_number")}
    assert len(edges) == 1
    (edge,) = edges
    assert line("expiry_date").column[1] > edge  # nothing to its right: room for 30 SEPT 2031
    assert line("sex").column[1] < edge  # one letter


def test_the_titles_the_foreigner_mark_and_the_large_run_share_the_left_margin() -> None:
    margin = {line(name).x0 for name in ("title_cedula", "title_identidad", "mark_extranjero", "run_large")}
    assert len(margin) == 1
    assert line("title_cedula").column == line("title_identidad").column
    assert line("title_republica").column == line("title_servicio").column
    assert line("title_republica").x0 == line("label_apellidos").x0  # the data block's column


def test_the_titles_rows() -> None:
    """CÉDULA DE and REPÚBLICA DE CHILE on one row, printed alike; IDENTIDAD one title line
    below CÉDULA DE; the Registry's name below REPÚBLICA DE CHILE, smaller than a label."""
    cedula, republica = line("title_cedula"), line("title_republica")
    assert (cedula.y, cedula.height) == (republica.y, republica.height)
    assert 0.038 <= line("title_identidad").y - cedula.y <= 0.046
    assert line("title_servicio").y > republica.y
    assert line("title_servicio").height < line("label_apellidos").height
    assert line("mark_extranjero").y > line("title_identidad").y

"""The QR link's rules at their edges: which links are document-status links, and what is read
from one whose parameters are repeated, blank or missing (``card/qr.py``)."""

from __future__ import annotations

import pytest

from chile_id_ocr.card import qr

HOST = "https://portal.sidiv.registrocivil.cl/docstatus"


def test_a_repeated_parameter_keeps_its_first_value() -> None:
    parsed = qr.parse(f"{HOST}?RUN=41000297-3&RUN=12345678-5&type=CEDULA&type=CEDULA_EXT")
    assert parsed.run == "41000297-3"
    assert parsed.document_type == "CEDULA"
    assert parsed.params == {"RUN": "41000297-3", "type": "CEDULA"}


def test_a_blank_parameter_is_kept_blank() -> None:
    """``serial=`` says the link carries no serial: kept as an empty value, not dropped."""
    parsed = qr.parse(f"{HOST}?RUN=41000297-3&serial=&mrz=")
    assert parsed.params == {"RUN": "41000297-3", "serial": "", "mrz": ""}
    assert parsed.serial == ""
    assert parsed.mrz_document_number is None and parsed.mrz_checks == {}


def test_a_link_without_a_run_is_no_document_status_link() -> None:
    payload = f"{HOST}?type=CEDULA&serial=500104037&mrz=500104037201011583101159"
    parsed = qr.parse(payload)
    assert not parsed.is_document_status
    assert parsed.params == {} and parsed.serial is None and parsed.mrz_birth is None
    assert parsed.to_dict() == {"payload": payload, "params": {}, "mrz_checks": None}


def test_a_link_without_an_mrz_has_no_checks() -> None:
    parsed = qr.parse(f"{HOST}?RUN=41000297-3&type=CEDULA&serial=500104037")
    assert parsed.is_document_status
    assert parsed.mrz_checks == {}
    assert (parsed.mrz_document_number, parsed.mrz_birth, parsed.mrz_expiry) == (None, None, None)
    assert parsed.to_dict()["mrz_checks"] is None


def test_an_mrz_extract_of_the_wrong_length_is_ignored() -> None:
    for mrz in ("50010403720101158310115", "5001040372010115831011599"):  # 23 and 25 characters
        parsed = qr.parse(f"{HOST}?RUN=41000297-3&mrz={mrz}")
        assert parsed.params["mrz"] == mrz
        assert parsed.mrz_document_number is None and parsed.mrz_checks == {}


def test_each_check_of_the_mrz_extract_is_its_own() -> None:
    """Number 500104037 + 2, birth 010115 + 8, expiry 310115 + 9: one wrong digit fails one check."""
    for mrz, failing in [
        ("500104037201011583101159", None),
        ("500104037301011583101159", "document_number"),
        ("500104037201011593101159", "birth"),
        ("500104037201011583101158", "expiry"),
    ]:
        checks = qr.parse(f"{HOST}?RUN=41000297-3&mrz={mrz}").mrz_checks
        assert checks == {name: name != failing for name in ("document_number", "birth", "expiry")}


def test_the_host_and_scheme_are_matched_without_case_the_path_with_a_trailing_slash() -> None:
    parsed = qr.parse("HTTPS://Portal.SIDIV.registrocivil.cl/docstatus/?RUN=41000297-3")
    assert parsed.is_document_status and parsed.run == "41000297-3"


@pytest.mark.parametrize(
    "payload",
    [
        "ftp://portal.sidiv.registrocivil.cl/docstatus?RUN=41000297-3",  # not a web link
        "https://portal.sidiv.registrocivil.cl/document-validity?RUN=41000297-3",  # the other host's path
        "https://portal.nuevosidiv.registrocivil.cl/docstatus?RUN=41000297-3",
        "https://[portal.sidiv.registrocivil.cl/docstatus?RUN=41000297-3",  # no URL at all (urlsplit fails)
    ],
)
def test_links_that_are_not_document_status_links_are_kept_as_they_are(payload: str) -> None:
    parsed = qr.parse(payload)
    assert parsed == qr.QrPayload(payload)
    assert not parsed.is_document_status and parsed.run is None

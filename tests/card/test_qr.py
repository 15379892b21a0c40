"""The QR code's document-status links."""

from __future__ import annotations

from chile_id_ocr.card import qr

OLD = (
    "https://portal.sidiv.registrocivil.cl/docstatus?RUN=41000297-3&type=CEDULA&serial=500104037"
    "&mrz=500104037201011583101159"
)
NEW = (
    "https://portal.nuevosidiv.registrocivil.cl/document-validity?RUN=25123456-k&type=CEDULA_EXT"
    "&serial=B5F089055&mrz=B5F089055X950101X350101X"
)


def test_old_host_link() -> None:
    parsed = qr.parse(OLD)
    assert parsed.is_document_status
    assert parsed.params == {
        "RUN": "41000297-3",
        "type": "CEDULA",
        "serial": "500104037",
        "mrz": "500104037201011583101159",
    }
    assert (parsed.mrz_document_number, parsed.mrz_birth, parsed.mrz_expiry) == ("500104037", "010115", "310115")
    assert parsed.mrz_checks == {"document_number": True, "birth": True, "expiry": True}


def test_new_host_link_with_foreigner_card() -> None:
    parsed = qr.parse(NEW)
    assert parsed.is_document_status
    assert parsed.run == "25123456-K"
    assert parsed.document_type == "CEDULA_EXT"
    assert parsed.serial == "B5F089055"
    assert parsed.mrz_birth == "950101"
    assert parsed.mrz_checks["birth"] is False  # 'X' is no check digit


def test_other_payloads_are_kept_as_they_are() -> None:
    for payload in ("http://www.registrocivil.cl", "hello", "https://portal.sidiv.registrocivil.cl/other?RUN=1-9"):
        parsed = qr.parse(payload)
        assert parsed.payload == payload
        assert not parsed.is_document_status
        assert parsed.to_dict() == {"payload": payload, "params": {}, "mrz_checks": None}

"""How the MRZ reader's reading becomes the back's (``locate/mrz_read.zone_reading``): a line under the
TD1 grammar only where the reader's free reading of it is close, the free reading elsewhere, and
text that is no MRZ never made one by the grammar."""

from __future__ import annotations

from chile_id_ocr.locate.mrz_read import plausible, zone_reading
from chile_id_ocr.models.mrz_decode import Zone
from chile_id_ocr.models.mrz_reader import ZoneRead

ZONE = ("INCHL5333868093189<<<<<<<<<<<<", "6607249F3107243CHL12176277<3<0", "DEL<VALLE<GALLARDO<<PAULINA<AN")


def test_lines_read_close_to_the_grammar_take_the_grammar():
    free = ("INCHL5333868O93189<<<<<<<<<<<<", "66O7249F31O7243CHL12176277<3<0", ZONE[2])  # O where 0 is printed
    reading = zone_reading(ZoneRead(free, (0.9, 0.9, 0.9), Zone(ZONE, (0.95, 0.95, 0.99), 0)))
    assert reading.raw == ZONE
    assert reading.scores == (0.95, 0.95, 0.99)
    assert reading.parsed is not None and reading.parsed.all_valid


def test_a_free_reading_short_of_fillers_is_parsed_as_read_not_realigned():
    # the alignment split a digit and took another to reach 30 characters; the free reading lacks two fillers
    free = ("INCHL5333868093189<<<<<<<<<<", ZONE[1], ZONE[2])
    split = ("INCHL53338668193189<<<<<<<<<<<", ZONE[1], ZONE[2])
    reading = zone_reading(ZoneRead(free, (0.8, 0.9, 0.9), Zone(split, (0.7, 0.9, 0.9), 1)))
    assert reading.raw[0] == free[0]
    assert reading.scores[0] == 0.8
    assert reading.parsed is not None and reading.parsed.lines == ZONE  # mrz.parse fits the fillers


def test_text_that_is_no_mrz_is_not_made_one_by_the_grammar():
    page = ("LOREM<IPSUM<DOLOR<SIT<AMET<CO", "NSECTETUR<ADIPISCING<ELIT<SED", "DO<EIUSMOD<TEMPOR<INCIDIDUNT")
    forced = ("IDCHL1000000017<<<<<<<<<<<<<<<", "8302217F2308102CHL12749625<K<2", "DO<EIUSMOD<TEMPOR<INCIDIDUNT<<")
    reading = zone_reading(ZoneRead(page, (0.5, 0.5, 0.5), Zone(forced, (0.3, 0.3, 0.3), 2)))
    assert reading.raw[:2] == page[:2]
    assert not plausible(reading)

"""Free-text fields of the card (names, sex, nationality) and shared OCR helpers.

The OCR engine confuses a handful of glyph pairs. Where a field can only hold
digits, :data:`DIGIT_CONFUSIONS` maps the letters it reads by mistake back to
digits; where it can only hold letters, :data:`LETTER_CONFUSIONS` does the
reverse. Both tables live here so that every card module repairs the same way.

>>> normalize_name("  gonzález   pérez ")
'GONZÁLEZ PÉREZ'
>>> normalize_name("O'HIGGINS,  J0SÉ-")
"O'HIGGINS JOSÉ"
>>> parse_sex("F.")
'F'
>>> parse_nationality("CHILENA")
('CHILENA', False)
>>> parse_nationality("VENEZ0LANA")
('VENEZOLANA', True)
>>> parse_nationality("C0L")
('COL', True)
>>> edit_distance("SEPT", "SEP")
1
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz.distance import Levenshtein

__all__ = [
    "DIGIT_CONFUSIONS",
    "ISO3_CODES",
    "LETTER_CONFUSIONS",
    "NATIONALITIES",
    "SEXES",
    "closest",
    "edit_distance",
    "normalize_name",
    "parse_nationality",
    "parse_sex",
    "to_digits",
    "to_letters",
]

#: Letters (and look-alikes) the OCR engine reads where the card prints a digit.
DIGIT_CONFUSIONS: dict[str, str] = {
    "O": "0",
    "o": "0",
    "I": "1",
    "l": "1",
    "|": "1",
    "S": "5",
    "s": "5",
    "B": "8",
    "Z": "2",
    "z": "2",
    "G": "6",
}

#: Digits the OCR engine reads where the card prints an (upper-case) letter.
LETTER_CONFUSIONS: dict[str, str] = {"0": "O", "1": "I", "5": "S", "8": "B"}

SEXES: tuple[str, ...] = ("M", "F")

#: Nationality words as printed on Chilean cards (Chileans and the most common
#: foreign residents). Cards issued from December 2024 print ISO 3166-1 alpha-3
#: codes instead (:data:`ISO3_CODES`).
NATIONALITIES: tuple[str, ...] = (
    "CHILENA",
    "VENEZOLANA",
    "PERUANA",
    "COLOMBIANA",
    "BOLIVIANA",
    "ARGENTINA",
    "HAITIANA",
    "ECUATORIANA",
    "CHINA",
    "ESPAÑOLA",
    "BRASILEÑA",
    "DOMINICANA",
    "CUBANA",
    "PARAGUAYA",
    "URUGUAYA",
    "ESTADOUNIDENSE",
    "MEXICANA",
    "ITALIANA",
    "ALEMANA",
    "FRANCESA",
    "BRITANICA",
    "PORTUGUESA",
    "SUIZA",
    "RUSA",
    "UCRANIANA",
    "COREANA",
    "JAPONESA",
    "INDIA",
    "CANADIENSE",
    "PANAMEÑA",
    "COSTARRICENSE",
    "SALVADOREÑA",
    "GUATEMALTECA",
    "HONDUREÑA",
    "NICARAGÜENSE",
    "SIRIA",
    "PALESTINA",
)

# ISO 3166-1 alpha-3, all 249 officially assigned codes.
_ISO3 = (
    "ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD BGR BHR "
    "BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR COD COG COK COL "
    "COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH ESP EST ETH FIN FJI FLK "
    "FRA FRO FSM GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV "
    "HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO "
    "LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG "
    "MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN "
    "PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU RUS RWA SAU SDN SEN SGP SGS SHN SJM SLB SLE "
    "SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM SYC SYR TCA TCD TGO THA TJK TKL TKM TLS TON TTO "
    "TUN TUR TUV TWN TZA UGA UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE"
)
ISO3_CODES: frozenset[str] = frozenset(_ISO3.split())

_NAME_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZÁÉÍÓÚÜÑ")
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_APOSTROPHES = str.maketrans({c: "'" for c in "’‘`´ʼ"} | {c: "-" for c in "‐‑‒–—−"})


def edit_distance(a: str, b: str) -> int:
    """Return the Levenshtein distance (insertions, deletions, substitutions).

    >>> edit_distance("N0V", "NOV")
    1
    >>> edit_distance("", "ABC")
    3
    >>> edit_distance("KITTEN", "SITTING")
    3
    """
    return int(Levenshtein.distance(a, b))


def distance_within(text: str, word: str) -> int:
    """The fewest edits that make ``word`` appear somewhere in ``text`` (approximate substring
    matching: the text around it is free).

    >>> distance_within("FECHA DE NACIMIENTO NUMERO DOCUMENTO", "NUMERO DOCUMENTO")
    0
    >>> distance_within("FECADE EHISION", "FECHA DE EMISION")
    3
    >>> distance_within("", "SEXO")
    4
    """
    return span_within(text, word)[0]


def span_within(text: str, word: str) -> tuple[int, int, int]:
    """Where ``word`` best appears in ``text``: the fewest edits, and the start and end of the
    part of ``text`` it matches (the leftmost such part).

    >>> span_within("FECHA DE NACIMIENTO NUMERO DOCUMENTO", "NUMERO")
    (0, 20, 26)
    >>> span_within("RUN 12.345", "RUN")
    (0, 0, 3)
    """
    # Each cell keeps (edits, start of the match in text) for word[:j] ending at text[:i].
    previous = [(j, 0) for j in range(len(word) + 1)]
    best = (previous[-1][0], 0, 0)
    for i, t in enumerate(text, 1):
        current = [(0, i)]  # a match may start at any place in the text
        for j, w in enumerate(word, 1):
            current.append(
                min(
                    (previous[j][0] + 1, previous[j][1]),
                    (current[j - 1][0] + 1, current[j - 1][1]),
                    (previous[j - 1][0] + (t != w), previous[j - 1][1]),
                )
            )
        if current[-1][0] < best[0]:
            best = (current[-1][0], current[-1][1], i)
        previous = current
    return best


def letters_only(text: str) -> str:
    """Upper-case letters A-Z of ``text``, accents taken off, nothing else.

    >>> letters_only("Fecha de emisión: 1")
    'FECHADEEMISION'
    """
    return "".join(c for c in unaccented(text.upper()) if "A" <= c <= "Z")


def reads_as(seen: str, printed: str) -> bool:
    """Whether an OCR reading shows the printed words ``printed`` (a card's label, a title),
    possibly among other text: letters compared without accents or spaces, about one letter
    in four allowed wrong.

    >>> reads_as("FECHA DE NACIMIENTO NÚMERO DOCUMENTO", "NÚMERO DOCUMENTO")
    True
    >>> reads_as("ECHA DE EMISI", "FECHA DE EMISIÓN"), reads_as("FREDEZ", "APELLIDOS")
    (True, False)
    """
    word = letters_only(printed)
    return bool(word) and distance_within(letters_only(seen), word) <= max(1, round(len(word) / 4))


def one_edit_away(text: str, alphabet: str) -> set[str]:
    """Every text one edit from ``text``: a character of ``alphabet`` inserted or put in
    place of one, or a character dropped.

    >>> sorted(one_edit_away("12", "3"))
    ['1', '123', '13', '132', '2', '312', '32']
    """
    out = set()
    for i in range(len(text) + 1):
        for c in alphabet:
            out.add(text[:i] + c + text[i:])
            if i < len(text):
                out.add(text[:i] + c + text[i + 1 :])
        if i < len(text):
            out.add(text[:i] + text[i + 1 :])
    out.discard(text)
    return out


def closest(word: str, vocabulary: Iterable[str], max_distance: int = 1) -> str | None:
    """Return the single vocabulary entry nearest to ``word`` within ``max_distance``.

    Returns ``None`` when nothing is close enough or when two entries tie.

    >>> closest("PERUAMA", ["PERUANA", "CUBANA"])
    'PERUANA'
    >>> closest("MAX", ["MAR", "MAY"]) is None
    True
    """
    best: list[str] = []
    best_distance = max_distance + 1
    for entry in vocabulary:
        distance = edit_distance(word, entry)
        if distance > max_distance:
            continue
        if distance < best_distance:
            best, best_distance = [entry], distance
        elif distance == best_distance and entry not in best:
            best.append(entry)
    return best[0] if len(best) == 1 else None


def to_digits(text: str) -> tuple[str, int]:
    """Map letters misread for digits; return the text and how many were mapped.

    >>> to_digits("41.OOO.297")
    ('41.000.297', 3)
    """
    out = [DIGIT_CONFUSIONS.get(c, c) for c in text]
    return "".join(out), sum(a != b for a, b in zip(text, out, strict=True))


def to_letters(text: str) -> tuple[str, int]:
    """Map digits misread for letters; return the text and how many were mapped.

    >>> to_letters("N0V")
    ('NOV', 1)
    """
    out = [LETTER_CONFUSIONS.get(c, c) for c in text]
    return "".join(out), sum(a != b for a, b in zip(text, out, strict=True))


def unaccented(text: str) -> str:
    """``text`` without its accents, tildes and diaereses.

    >>> unaccented("ÑUÑOA JOSÉ AGÜERO")
    'NUNOA JOSE AGUERO'
    """
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def _name_letter(c: str) -> str:
    if c in _NAME_LETTERS:
        return c
    base = unicodedata.normalize("NFD", c)[0]
    return base if base in _ASCII_LETTERS else ""


def normalize_name(text: str) -> str:
    """Normalize an OCR reading of a name field.

    Upper-cases, keeps the letters A-Z, ÁÉÍÓÚÜÑ, apostrophes and hyphens,
    maps the digits 0, 1, 5, 8 inside words to O, I, S, B, drops words with
    no letter and any other stray character, and collapses whitespace. Other
    accented letters lose their accent.

    >>> normalize_name("maría   josé")
    'MARÍA JOSÉ'
    >>> normalize_name("MAR1A . J0SE")
    'MARIA JOSE'
    >>> normalize_name("NUÑEZ ; 42 MÜLLER-SCHMIDT")
    'NUÑEZ MÜLLER-SCHMIDT'
    >>> normalize_name("FRANÇOIS D’ARTAGNAN")
    "FRANCOIS D'ARTAGNAN"
    """
    words: list[str] = []
    for raw in unicodedata.normalize("NFC", text).upper().translate(_APOSTROPHES).split():
        if not any(c.isalpha() for c in raw):
            continue
        kept = (LETTER_CONFUSIONS.get(c) or (c if c in "'-" else _name_letter(c)) for c in raw)
        word = "".join(kept).strip("'-")
        word = re.sub(r"([-'])[-']+", r"\1", word)
        if word:
            words.append(word)
    return " ".join(words)


def parse_sex(text: str) -> str | None:
    """Read the sex field: ``'M'``, ``'F'`` or ``None`` when it cannot be told.

    >>> parse_sex(" m ")
    'M'
    >>> parse_sex("SEXOF")
    'F'
    >>> parse_sex("1F")
    'F'
    >>> parse_sex("FEMENINO")
    'F'
    >>> parse_sex("M F") is None
    True
    """
    letters = re.sub(r"[^A-Z]+", " ", unicodedata.normalize("NFC", text).upper()).strip()
    compact = letters.replace(" ", "")
    if compact.startswith("SEXO"):
        compact = compact[4:]
    if compact in SEXES:
        return compact
    if compact in ("MASCULINO", "FEMENINO"):
        return compact[0]
    tokens = {t for t in letters.split() if t in SEXES}
    if len(tokens) == 1:
        return tokens.pop()
    found = [c for c in compact if c in SEXES]
    if len(compact) <= 3 and len(found) == 1:
        return found[0]
    return None


def parse_nationality(text: str) -> tuple[str, bool] | None:
    """Read the nationality field.

    Returns the value as printed and whether it had to be repaired to get
    there (digits mapped to letters, or a word snapped to
    :data:`NATIONALITIES`). Words of five letters or more snap to the
    vocabulary at edit distance 1 when the nearest entry is unique; words
    outside the vocabulary are otherwise returned as read. Three-letter
    readings are ISO 3166-1 alpha-3 codes and must be members of
    :data:`ISO3_CODES`.

    >>> parse_nationality("NACIONALIDAD PERUANA")
    ('PERUANA', False)
    >>> parse_nationality("ESPANOLA")
    ('ESPAÑOLA', True)
    >>> parse_nationality("CHL")
    ('CHL', False)
    >>> parse_nationality("XYZ") is None
    True
    >>> parse_nationality(" .- ") is None
    True
    >>> parse_nationality("NACIONALIDAD") is None  # the label alone names none
    True
    """
    word = "".join(c for c in unicodedata.normalize("NFC", text).upper() if c.isalnum())
    if word.startswith("NACIONALIDAD"):
        word = word[len("NACIONALIDAD") :]
    mapped, _ = to_letters(word)
    mapped = "".join(c for c in mapped if c.isalpha())
    if len(mapped) < 3:
        return None
    if len(mapped) == 3:
        return (mapped, mapped != word) if mapped in ISO3_CODES and len(word) == 3 else None
    if mapped in NATIONALITIES:
        return mapped, mapped != word
    if len(mapped) >= 5:
        snapped = closest(mapped, NATIONALITIES, 1)
        if snapped is not None:
            return snapped, True
    return mapped, mapped != word

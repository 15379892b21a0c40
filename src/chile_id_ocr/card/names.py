"""Plausibility of a holder's names as read: what the recognizer cannot tell on its own.

A glare or a motion blur takes a tilde or an accent off a capital, or a whole letter out
of a word, and the recognizer reads what is left with full confidence. Names have no check
digit, but Spanish names are not arbitrary strings:

* many common surnames and given names are written with an accent (GONZÁLEZ, JOAQUÍN);
  a reading that lacks it, or puts it elsewhere, is doubtful (it is not corrected: the
  Registro Civil prints the name as registered, and some are registered without);
* a word of one or two letters is a particle (DE, LA, Y...) or a fragment of a word
  whose middle letters were lost (CAR ASCO);
* DE LA, DE LAS and DE LOS are each followed by a space (DE LA PAZ): DE LAPAZ, DELA PAZ and
  DELAPAZ lost one or both (a tight font closes the gaps, and the recognizer reads the run
  with full confidence); so is DEL before the words names put after it (DELRÍO);
* a holder whose two surnames are the same word exists but is rare (both parents sharing a
  surname), while a line read twice, one for the other, gives the same pair: it is doubted.

>>> accent_doubt("JIMENEZ"), accent_doubt("JIMÉNEZ"), accent_doubt("ROJAS")
('JIMÉNEZ', None, None)
>>> fragments("CAR ASCO"), fragments("DE LA BARRA"), fragments("NO MÍ")
((), (), ('NO', 'MÍ'))
"""

from __future__ import annotations

import re

from chile_id_ocr.card.text import unaccented


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


# Common Chilean surnames and given names written with an accent or a tilde.
_ACCENTED = _words(
    """
    ACUÑA AGÜERO ALARCÓN ÁLVAREZ ARÁNGUIZ ÁVILA BÁEZ BELTRÁN BENÍTEZ CÁCERES CÁRDENAS
    CARREÑO CASTAÑEDA CORTÉS DÍAZ DOMÍNGUEZ DURÁN ENRÍQUEZ ESPÍNDOLA FARÍAS FERNÁNDEZ
    GÁLVEZ GARCÍA GÓMEZ GONZÁLEZ GUTIÉRREZ GUZMÁN HENRÍQUEZ HERNÁNDEZ IBÁÑEZ JIMÉNEZ LÓPEZ
    MARTÍNEZ MÁRQUEZ MÉNDEZ MONTAÑA MUÑOZ NÚÑEZ OYARZÚN PEÑA PÉREZ QUIÑONES RAMÍREZ RÍOS
    RODRÍGUEZ ROMÁN SÁEZ SÁNCHEZ SANTIBÁÑEZ VALDÉS VÁSQUEZ VÁZQUEZ VELÁSQUEZ
    YÁÑEZ ZÚÑIGA ÑANCUPIL ÑANCO ÑIRRIPIL
    ADRIÁN AGUSTÍN ÁLVARO ANDRÉS ÁNGEL ÁNGELA ANGÉLICA ANÍBAL BÁRBARA BELÉN BENJAMÍN
    CRISTIÁN CRISTÓBAL DAMIÁN DARÍO DÉBORA EFRAÍN ELÍAS FABIÁN FÁTIMA GÉNESIS GERMÁN
    HÉCTOR HERNÁN INÉS IVÁN JESÚS JOAQUÍN JOSÉ JOSUÉ JULIÁN LUCÍA MARÍA MARTÍN MATÍAS
    MOISÉS MÓNICA NICOLÁS NOEMÍ ÓSCAR PÍA RAMÓN RAÚL ROCÍO RUBÉN SEBASTIÁN SIMÓN SOFÍA
    TOMÁS VALENTÍN VERÓNICA VÍCTOR ZOÉ
    """
)
# Words of one or two letters that names do contain.
_SHORT_WORDS = _words("DE DEL LA LAS LOS Y E DA DI DO DOS DU EL LE LI MC VAN VON WU YU")


_BY_PLAIN = {unaccented(word): word for word in _ACCENTED}


def is_particle(word: str) -> bool:
    """Whether ``word`` is one of the short words names are made of (DE, LA, DEL, Y...).

    >>> is_particle("DE"), is_particle("AS")
    (True, False)
    """
    return word in _SHORT_WORDS


def accent_doubt(word: str) -> str | None:
    """The usual spelling of ``word`` when it is a common accented name read otherwise, else None."""
    usual = _BY_PLAIN.get(unaccented(word))
    return usual if usual is not None and usual != word else None


_ACUTE = dict(zip("AEIOU", "ÁÉÍÓÚ", strict=True))
_PLAIN_VOWEL = {accented: plain for plain, accented in _ACUTE.items()}
_TILDE = {"N": "Ñ", "Ñ": "N"}


def accent_flips(name: str) -> tuple[str, ...]:
    """``name`` with one accent or tilde put on or taken off, each way Spanish spelling allows: an
    acute accent taken off, or put on a vowel of a word that has none; a tilde on or off an N.
    Words of the common accented names are left to ``usual_spelling``.

    >>> accent_flips("TÉRESA"), accent_flips("PEÑA")
    (('TERESA',), ())
    >>> accent_flips("ANA GONZÁLEZ")
    ('ÁNA GONZÁLEZ', 'AÑA GONZÁLEZ', 'ANÁ GONZÁLEZ')
    """
    words = name.split(" ")
    found: list[str] = []
    for k, word in enumerate(words):
        if unaccented(word) in _BY_PLAIN:
            continue
        accented = any(c in _PLAIN_VOWEL for c in word)
        for i, c in enumerate(word):
            other = _PLAIN_VOWEL.get(c) or (None if accented else _ACUTE.get(c)) or _TILDE.get(c)
            if other is not None:
                found.append(" ".join([*words[:k], word[:i] + other + word[i + 1 :], *words[k + 1 :]]))
    return tuple(found)


def usual_spelling(name: str) -> str:
    """``name`` spelled as usual: each word that is a common accented name read without its
    accent (or with it elsewhere) written with it.

    >>> usual_spelling("GONZALEZ DE LA FUENTE"), usual_spelling("JOSE MARÍA")
    ('GONZÁLEZ DE LA FUENTE', 'JOSÉ MARÍA')
    """
    return " ".join(accent_doubt(word) or word for word in name.split(" "))


# A particle chain printed with its spaces, each of which a tight font may close: DE, then LA,
# LAS or LOS, then a word of at least three letters (DE LARA is a surname, not DE LA RA).
_CHAINS = tuple(re.compile(rf"(?<!\S)DE ?{p} ?(?=[^\s-]{{3}})") for p in ("LA", "LAS", "LOS"))
# DEL is followed by a word of its own too (DEL RÍO, MARÍA DEL CARMEN), but begins names as well
# (DELGADO, DELIA): DEL run together with a word is told only where that word is one of those that
# Chilean names put after it.
_AFTER_DEL = _words("CAMPO CANTO CARMEN CASTILLO MAR PILAR PINO POZO REAL RÍO ROSARIO SOL SOLAR TRÁNSITO VALLE VILLAR")
_PLAIN_AFTER_DEL = frozenset(map(unaccented, _AFTER_DEL))
_DEL_RUN = re.compile(r"(?<!\S)DEL(\S{3,})")
# Ways to space a name offered at most: each run-together chain may be spaced two ways (DE LA SHERAS,
# DE LAS HERAS), so a line of many would offer exponentially many.
_FORMS = 8


def particles_apart(name: str) -> tuple[str, ...]:
    """``name`` with the spaces put back wherever a DE LA, DE LAS or DE LOS lost one or both (DE
    LAPAZ, DELA PAZ, DELAPAZ), one text for each way to put them back; () when none was lost.

    >>> particles_apart("DELAPAZ SOTO"), particles_apart("DE LA FUENTE"), particles_apart("DE LARA")
    (('DE LA PAZ SOTO',), (), ())
    >>> particles_apart("DELASHERAS")
    ('DE LA SHERAS', 'DE LAS HERAS')
    """
    return tuple(form for form in _apart(_del_apart(name)) if form != name)


def _del_apart(name: str) -> str:
    """``name`` with the space put back after each DEL run together with a word that names put
    after it (DELRÍO, DELCARMEN).

    >>> _del_apart("SOTO DELRÍO"), _del_apart("DELGADO"), _del_apart("MARÍA DELCARMEN")
    ('SOTO DEL RÍO', 'DELGADO', 'MARÍA DEL CARMEN')
    """
    return _DEL_RUN.sub(lambda found: f"DEL {found[1]}" if unaccented(found[1]) in _PLAIN_AFTER_DEL else found[0], name)


def _apart(name: str) -> list[str]:
    """``name`` with its first run-together chain spaced each way it can be, and so on after it."""
    runs = [found for chain in _CHAINS for found in chain.finditer(name) if found.group() != _spaced(found)]
    if not runs:
        return [name]
    first = min(found.start() for found in runs)
    forms = [
        name[:first] + _spaced(found) + rest
        for found in runs
        if found.start() == first
        for rest in _apart(name[found.end() :])
    ]
    return list(dict.fromkeys(forms))[:_FORMS]


def _spaced(found: re.Match[str]) -> str:
    """A chain as printed: DE, its particle and a space after each."""
    return " ".join(found.group().replace(" ", "").partition("DE")[1:]) + " "


#: The longest a single name's word usually is (MAXIMILIANO, CONCEPCIÓN, HUENCHUMILLA): a longer
#: word read on a name line is two words whose space a blur closed (FLORENCIAFRANCISCA).
LONGEST_WORD = 12


def repeated(parts: tuple[str, ...]) -> str:
    """Why the name lines ``parts`` (the surnames, in order) may hold one line read twice, or "":
    two of them read alike.

    >>> repeated(("REYES", "REYES")), repeated(("GONZÁLEZ", "ROJAS")), repeated(("ROJAS",))
    ('two name lines read alike (REYES): one may have been read for the other', '', '')
    """
    seen = [unaccented(part) for part in parts]
    twice = next((part for k, part in enumerate(parts) if seen[k] in seen[:k]), "")
    return f"two name lines read alike ({twice}): one may have been read for the other" if twice else ""


def run_together(name: str) -> tuple[str, ...]:
    """The words of ``name`` too long to be one name's word (``LONGEST_WORD``); the parts of
    a hyphenated name (JEAN-BAPTISTE) count as words.

    >>> run_together("ANDREAISIDORA"), run_together("MAXIMILIANO JOSÉ"), run_together("JEAN-BAPTISTE")
    (('ANDREAISIDORA',), (), ())
    """
    return tuple(word for word in name.replace("-", " ").split() if len(word) > LONGEST_WORD)


def fragments(name: str) -> tuple[str, ...]:
    """The words of ``name`` too short to be a name's word (one or two letters, not a particle)."""
    return tuple(word for word in name.split() if len(word.strip("-'")) <= 2 and word not in _SHORT_WORDS)


def doubt(name: str) -> str:
    """Why a name as read is doubtful, or "" when nothing is.

    >>> doubt("JOAQUIN ANDRÉS")
    'commonly spelled JOAQUÍN'
    >>> doubt("MAT AS")
    'a word of one or two letters (AS): letters may be lost'
    >>> doubt("DE LA FUENTE")
    ''
    >>> doubt("DE LAPAZ"), doubt("DELAPAZ")
    ('DE LAPAZ: may be DE LA PAZ, a space lost', 'DELAPAZ: may be DE LA PAZ, a space lost')
    """
    words = name.split()
    for word in words:
        usual = accent_doubt(word)
        if usual is not None:
            return f"commonly spelled {usual}"
    short = fragments(name)
    if short:
        return f"a word of one or two letters ({', '.join(short)}): letters may be lost"
    spaced = particles_apart(name)
    if spaced:
        return f"{name}: may be {' or '.join(spaced)}, a space lost"
    return ""

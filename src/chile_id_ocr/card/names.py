"""Plausibility of a holder's names as read: what the recognizer cannot tell on its own.

A glare or a motion blur takes a tilde or an accent off a capital, or a whole letter out
of a word, and the recognizer reads what is left with full confidence. Names have no check
digit, but Spanish names are not arbitrary strings:

* many common surnames and given names are written with an accent (GONZÁLEZ, JOAQUÍN);
  a reading that lacks it, or puts it elsewhere, is doubtful (it is not corrected: the
  Registro Civil prints the name as registered, and some are registered without);
* a word of one or two letters is a particle (DE, LA, Y...) or a fragment of a word
  whose middle letters were lost (CAR ASCO);
* DE LA is followed by a space (DE LA PAZ): DE LAPAZ lost it.

>>> accent_doubt("JIMENEZ"), accent_doubt("JIMÉNEZ"), accent_doubt("ROJAS")
('JIMÉNEZ', None, None)
>>> fragments("CAR ASCO"), fragments("DE LA BARRA"), fragments("NO MÍ")
((), (), ('NO', 'MÍ'))
"""

from __future__ import annotations

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


def usual_spelling(name: str) -> str:
    """``name`` spelled as usual: each word that is a common accented name read without its
    accent (or with it elsewhere) written with it, and the space put back after a DE LA
    that lost it.

    >>> usual_spelling("GONZALEZ DE LA FUENTE"), usual_spelling("JOSE MARÍA"), usual_spelling("DE LAPAZ")
    ('GONZÁLEZ DE LA FUENTE', 'JOSÉ MARÍA', 'DE LA PAZ')
    """
    words = [accent_doubt(word) or word for word in name.split(" ")]
    return " ".join(_spaced(words))


def _spaced(words: list[str]) -> list[str]:
    """The words with the space put back where a DE LA lost it (DE LAPAZ)."""
    out = list(words)
    for k in range(len(out) - 1, 0, -1):
        if out[k - 1] == "DE" and out[k][:2] == "LA" and len(out[k]) > 3:
            out[k : k + 1] = [out[k][:2], out[k][2:]]
    return out


#: The longest a single name's word usually is (MAXIMILIANO, CONCEPCIÓN, HUENCHUMILLA): a longer
#: word read on a name line is two words whose space a blur closed (FLORENCIAFRANCISCA).
LONGEST_WORD = 12


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
    >>> doubt("DE LAPAZ")
    'DE LAPAZ: may be DE LA PAZ, a space lost'
    """
    words = name.split()
    for word in words:
        usual = accent_doubt(word)
        if usual is not None:
            return f"commonly spelled {usual}"
    short = fragments(name)
    if short:
        return f"a word of one or two letters ({', '.join(short)}): letters may be lost"
    spaced = _spaced(words)
    if spaced != words:
        return f"{name}: may be {' '.join(spaced)}, a space lost"
    return ""

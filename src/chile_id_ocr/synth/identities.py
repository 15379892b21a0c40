"""Random, plausible identities printed on synthetic Chilean ID cards (none is a real person)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from stdnum.cl import rut

from chile_id_ocr.card.dates import REAL, SPECIMEN, DateStyle, format_date

# fmt: off

SURNAMES: tuple[str, ...] = (
    "GONZÁLEZ", "MUÑOZ", "ROJAS", "DÍAZ", "PÉREZ", "SOTO", "CONTRERAS", "SILVA", "MARTÍNEZ",
    "SEPÚLVEDA", "MORALES", "RODRÍGUEZ", "LÓPEZ", "ARAYA", "FUENTES", "HERNÁNDEZ", "TORRES",
    "ESPINOZA", "FLORES", "CASTILLO", "VALENZUELA", "RAMÍREZ", "REYES", "GUTIÉRREZ", "CASTRO",
    "VARGAS", "ÁLVAREZ", "VÁSQUEZ", "TAPIA", "FERNÁNDEZ", "SÁNCHEZ", "CARRASCO", "GÓMEZ", "CORTÉS",
    "HERRERA", "NÚÑEZ", "JARA", "VERGARA", "RIVERA", "FIGUEROA", "RIQUELME", "GARCÍA", "MIRANDA",
    "BRAVO", "VERA", "MOLINA", "VEGA", "CAMPOS", "SANDOVAL", "ORELLANA", "CÁRDENAS", "OLIVARES",
    "ALARCÓN", "GALLARDO", "ORTIZ", "GARRIDO", "SALAZAR", "GUZMÁN", "HENRÍQUEZ", "SAAVEDRA", "NAVARRO",
    "AGUILERA", "PARRA", "ROMERO", "ARAVENA", "VIDAL", "PIZARRO", "ÁVILA", "IBÁÑEZ", "CASTAÑEDA",
    "YÁÑEZ", "PEÑA", "ZÚÑIGA", "BRIONES", "ACUÑA", "OÑATE", "CANALES", "POBLETE", "LEIVA", "MORENO",
    "SALINAS", "PAREDES", "BECERRA", "URRUTIA", "ECHEVERRÍA", "ITURRA", "QUIROZ", "BUSTOS", "MÉNDEZ",
    "ESCOBAR", "MALDONADO", "CIFUENTES", "LAGOS", "HUERTA", "JIMÉNEZ", "ZAMBRANO", "MONTECINOS",
    "CÁCERES", "PINTO", "SÁEZ", "OYARZÚN", "CATRILEO", "HUENCHULLÁN", "ÑANCUPIL", "PAILLALEF", "MUÑOZ",
    "GONZÁLEZ", "ROJAS", "SOTO",
)
COMPOUND_SURNAMES: tuple[str, ...] = (
    "DE LA FUENTE", "SAN MARTÍN", "DEL RÍO", "DE LA CRUZ", "DEL CAMPO", "DE LA BARRA", "SAN JUAN",
    "DE LAS HERAS", "DEL VALLE", "DE LA PAZ", "MAC-IVER", "SANTA CRUZ",
)

FEMALE_NAMES: tuple[str, ...] = (
    "MARÍA", "SOFÍA", "INÉS", "JOSEFA", "CATALINA", "VALENTINA", "CONSTANZA", "FERNANDA", "CAMILA",
    "JAVIERA", "FRANCISCA", "DANIELA", "CAROLINA", "MARCELA", "PAULINA", "CLAUDIA", "PATRICIA",
    "VERÓNICA", "XIMENA", "ISIDORA", "ANTONIA", "MONSERRAT", "BÁRBARA", "MÓNICA", "ROCÍO", "BEATRIZ",
    "ANGÉLICA", "RAQUEL", "ELIANA", "GLORIA", "ROSA", "LUCÍA", "ELENA", "ANDREA", "MACARENA",
    "TRINIDAD", "AMANDA", "FLORENCIA", "AGUSTINA", "EMILIA", "MAGDALENA", "PAZ", "SOLEDAD", "CECILIA",
    "NATALIA", "LORENA", "KARINA", "YESENIA", "ÁNGELA", "JOSÉ", "ISABEL", "TERESA", "ALEJANDRA",
    "MILLARAY", "AYELÉN", "NOEMÍ",
)
MALE_NAMES: tuple[str, ...] = (
    "JOSÉ", "JUAN", "LUIS", "CARLOS", "JORGE", "MANUEL", "FRANCISCO", "PEDRO", "MIGUEL", "RENÉ",
    "ANDRÉS", "SEBASTIÁN", "MATÍAS", "NICOLÁS", "BENJAMÍN", "VICENTE", "MARTÍN", "TOMÁS", "JOAQUÍN",
    "AGUSTÍN", "CRISTÓBAL", "FELIPE", "DIEGO", "GONZALO", "RODRIGO", "PATRICIO", "SERGIO", "RAÚL",
    "HÉCTOR", "ÓSCAR", "CÉSAR", "RUBÉN", "ESTEBAN", "FERNANDO", "ALEJANDRO", "CRISTIAN", "MAURICIO",
    "EDUARDO", "RICARDO", "ROBERTO", "CLAUDIO", "ALEXIS", "IGNACIO", "MAXIMILIANO", "ÁLVARO", "GASPAR",
    "JULIÁN", "ELÍAS", "ISMAEL", "DAMIÁN", "ANTONIO", "ALFONSO", "HERNÁN", "GUILLERMO", "LAUTARO",
    "ÍÑIGO", "ANÍBAL", "MAURO",
)
HAITIAN_SURNAMES: tuple[str, ...] = (
    "JOSEPH", "PIERRE", "LOUIS", "JEAN", "CHARLES", "ETIENNE", "DORVIL", "SAINT-FLEUR", "BAPTISTE",
    "AUGUSTIN", "DESIR", "FRANÇOIS", "NOEL", "JEAN-LOUIS",
)
HAITIAN_FEMALE: tuple[str, ...] = ("MARIE", "ROSELINE", "NADEGE", "FABIOLA", "WIDLINE", "MIRLANDE", "LOUNA")
HAITIAN_MALE: tuple[str, ...] = ("JEAN", "PIERRE", "WILNER", "JEAN-BAPTISTE", "FRANTZ", "ROODY", "WILSON")

FOREIGN_NATIONALITIES: tuple[tuple[str, str], ...] = (
    ("VENEZOLANA", "VEN"), ("PERUANA", "PER"), ("COLOMBIANA", "COL"), ("HAITIANA", "HTI"),
    ("BOLIVIANA", "BOL"), ("ARGENTINA", "ARG"), ("ECUATORIANA", "ECU"), ("DOMINICANA", "DOM"),
)
# fmt: on
"""Nationality as printed in words, and the 3-letter code some cards print instead."""

FOREIGNER_SHARE = 0.1
"""Share of cards of the foreigners' variant."""
SPECIMEN_STYLE_SHARE = 0.2
"""Share of cards printing dates in the specimen's style (``1 SEP 2013``); the others print what real cards
print (``08 MAYO 1975``, ``01 SEPT 1999``)."""


@dataclass(frozen=True)
class Identity:
    """One card's values, each as printed (``document_number`` as the ground truth: no dots)."""

    surname: tuple[str, ...]
    given_name: str
    nationality: str
    sex: str
    birth: dt.date
    issue: dt.date
    expiry: dt.date
    run_body: int
    document_number: str
    document_dotted: bool
    date_style: DateStyle = REAL

    @property
    def run(self) -> str:
        """The RUN as printed: '12.749.625-K'."""
        return f"{self.run_body:,}".replace(",", ".") + "-" + rut.calc_check_digit(str(self.run_body))

    @property
    def document_number_printed(self) -> str:
        d = self.document_number
        return f"{d[:3]}.{d[3:6]}.{d[6:]}" if self.document_dotted else d

    @property
    def foreigner(self) -> bool:
        """Whether the card is the foreigners' variant (EXTRANJERO on the front, a visa on the back)."""
        return self.nationality != "CHILENA"

    def format_date(self, day: dt.date) -> str:
        """A date as this card prints it: '08 MAYO 1975', '01 SEPT 1999' or, in the specimen's style, '1 SEP 2013'."""
        return format_date(day, self.date_style)

    def result(self) -> dict[str, object]:
        """The API ``result`` object for this card (values as printed; document number without dots)."""
        return {
            "surname": list(self.surname),
            "given_name": self.given_name,
            "nationality": self.nationality,
            "sex": self.sex,
            "birth": self.format_date(self.birth),
            "document_number": self.document_number,
            "issue_date": self.format_date(self.issue),
            "expiry_date": self.format_date(self.expiry),
            "number": self.run,
        }


def _random_date(r: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=r.randrange((end - start).days + 1))


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _surname(r: random.Random, pool: tuple[str, ...]) -> str:
    if pool is SURNAMES and r.random() < 0.07:
        return r.choice(COMPOUND_SURNAMES)
    return r.choice(pool)


def random_identity(r: random.Random) -> Identity:
    """Draw a consistent identity: names, sex, nationality, dates, RUN and document number."""
    sex = r.choice("MF")
    foreign = r.random() < FOREIGNER_SHARE
    nationality = "CHILENA"
    sur_pool, names = SURNAMES, (MALE_NAMES if sex == "M" else FEMALE_NAMES)
    if foreign:
        word, code = r.choice(FOREIGN_NATIONALITIES)
        nationality = code if r.random() < 0.3 else word
        if code == "HTI":
            sur_pool, names = HAITIAN_SURNAMES, (HAITIAN_MALE if sex == "M" else HAITIAN_FEMALE)

    n_surnames = 1 if (foreign and r.random() < 0.35) or r.random() < 0.02 else 2
    surname = tuple(_surname(r, sur_pool) for _ in range(n_surnames))
    while True:
        k = r.choices((1, 2, 3), weights=(0.25, 0.65, 0.10))[0]
        picked = r.sample(names, k)
        if "JOSÉ" in picked and sex == "F" and picked[0] == "JOSÉ":
            picked = list(reversed(picked))  # 'MARÍA JOSÉ', not 'JOSÉ MARÍA' for women
        given_name = " ".join(picked)
        if len(given_name) <= 26:
            break

    birth = _random_date(r, dt.date(1930, 1, 1), dt.date(2008, 12, 31))
    earliest_issue = max(dt.date(2013, 1, 1), _add_years(birth, 2))
    issue = _random_date(r, earliest_issue, dt.date(2024, 12, 31))
    if foreign and r.random() < 0.5:
        expiry = _add_years(issue, r.choice((1, 2, 3, 5)))
    else:
        years = r.choice((5, 10, 10, 10))
        style = r.random()
        if style < 0.45:  # on the holder's birthday after the validity period
            expiry = _add_years(birth, issue.year + years - birth.year)
            if expiry <= _add_years(issue, years):
                expiry = _add_years(expiry, 1)
        elif style < 0.8:
            expiry = _add_years(issue, years)
        else:
            expiry = _add_years(issue, years) - dt.timedelta(days=1)

    if foreign:
        low = 20_000_000 if r.random() < 0.8 else 10_000_000
        body = r.randrange(low, 27_000_000)
    elif r.random() < 0.03:
        body = r.randrange(30_000_000, 100_000_000)
    else:
        centre = 3_000_000 + (birth.year - 1930 + (birth.timetuple().tm_yday / 366)) * 270_000
        body = round(centre + r.gauss(0, 900_000))
        body = min(max(body, 5_000_000), 26_999_999)

    if r.random() < 0.5:
        document_number = str(r.randrange(100_000_000, 130_000_000))
    else:
        document_number = str(r.randrange(500_000_000, 540_000_000))
    dotted = r.random() < (0.8 if document_number.startswith("5") else 0.2)

    return Identity(
        surname=surname,
        given_name=given_name,
        nationality=nationality,
        sex=sex,
        birth=birth,
        issue=issue,
        expiry=expiry,
        run_body=body,
        document_number=document_number,
        document_dotted=dotted,
        date_style=SPECIMEN if r.random() < SPECIMEN_STYLE_SHARE else REAL,
    )

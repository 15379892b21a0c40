"""Spanish text for what is printed around the card: prose, form labels, other people's data.

Everything is made up; names come from the identity pools, RUNs carry valid check digits, dates are
written the ways Chilean documents write them (including the card's own ``12 MAR 1985``), because
text that looks like the card's is what a reader must not take for the card.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TypeVar

import numpy as np
from stdnum.cl import rut

from chile_id_ocr.card.dates import REAL, SPECIMEN, format_date
from chile_id_ocr.synth.identities import FEMALE_NAMES, MALE_NAMES, SURNAMES

T = TypeVar("T")

# fmt: off
WORDS: tuple[str, ...] = (
    "el", "la", "los", "las", "de", "del", "en", "y", "a", "que", "por", "para", "con", "su", "sus", "un", "una",
    "se", "no", "al", "lo", "como", "más", "pero", "sobre", "entre", "cuando", "todo", "esta", "este", "desde",
    "hasta", "donde", "durante", "según", "sin", "también", "cada", "otro", "otra", "mismo", "año", "años",
    "día", "días", "mes", "tiempo", "vez", "parte", "forma", "caso", "país", "ciudad", "región", "comuna",
    "gobierno", "ministerio", "servicio", "empresa", "banco", "cuenta", "contrato", "cliente", "persona",
    "personas", "documento", "solicitud", "pago", "pagos", "monto", "plazo", "cuota", "cuotas", "interés",
    "tasa", "crédito", "saldo", "fecha", "firma", "datos", "información", "registro", "derecho", "derechos",
    "obligación", "obligaciones", "parte", "partes", "presente", "siguiente", "anterior", "nuevo", "nueva",
    "general", "público", "pública", "nacional", "social", "económico", "municipal", "vecinos", "proyecto",
    "programa", "trabajo", "trabajadores", "familia", "familias", "salud", "educación", "vivienda", "agua",
    "energía", "transporte", "seguridad", "desarrollo", "proceso", "sistema", "resultado", "resultados",
    "medida", "medidas", "acuerdo", "ley", "artículo", "inciso", "número", "total", "valor", "precio", "pesos",
    "mercado", "ventas", "consumo", "precios", "invierno", "verano", "lluvia", "temperatura", "norte", "sur",
    "centro", "costa", "cordillera", "santiago", "valparaíso", "concepción", "temuco", "antofagasta", "chile",
    "chilenos", "estudiantes", "profesores", "alcalde", "concejo", "autoridades", "director", "presidente",
    "gerente", "representante", "legal", "arrendador", "arrendatario", "inmueble", "propiedad", "renta",
    "mensual", "garantía", "término", "condiciones", "cláusula", "efecto", "vigencia", "domicilio",
    "notificación", "declara", "acepta", "autoriza", "señala", "indica", "establece", "corresponde", "deberá",
    "podrá", "será", "fue", "fueron", "han", "ha", "había", "tiene", "tienen", "hacer", "realizar", "entregar",
    "recibir", "pagar", "informar", "mantener", "considerar", "aumento", "baja", "alza", "mayor", "menor",
    "primer", "primera", "segundo", "último", "última", "importante", "necesario", "posible", "actual",
    "durante", "mientras", "además", "través", "respecto", "conforme", "mediante", "dicho", "dicha", "cuyo",
    "semana", "mañana", "tarde", "noche", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado",
    "domingo", "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
    "octubre", "noviembre", "diciembre", "calle", "avenida", "pasaje", "sector", "villa", "población",
    "carretera", "ruta", "kilómetros", "metros", "hectáreas", "toneladas", "litros", "millones", "miles",
    "ciento", "mil", "dos", "tres", "cuatro", "cinco", "diez", "veinte", "cien", "niños", "jóvenes", "adultos",
    "mayores", "vecina", "vecino", "junta", "comunidad", "organización", "fundación", "corporación",
    "sociedad", "limitada", "anónima", "responsabilidad", "capital", "socios", "aporte", "aportes", "fondo",
    "fondos", "seguro", "póliza", "beneficio", "beneficios", "bono", "subsidio", "trámite", "oficina",
    "atención", "horario", "sucursal", "plataforma", "sitio", "web", "correo", "teléfono", "llamado",
)
SPANISH_MONTHS: tuple[str, ...] = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
    "noviembre", "diciembre",
)
COMMUNES: tuple[str, ...] = (
    "SANTIAGO", "PROVIDENCIA", "LAS CONDES", "ÑUÑOA", "MAIPÚ", "LA FLORIDA", "PUENTE ALTO", "RECOLETA",
    "INDEPENDENCIA", "ESTACIÓN CENTRAL", "VIÑA DEL MAR", "VALPARAÍSO", "CONCEPCIÓN", "TALCAHUANO", "TEMUCO",
    "RANCAGUA", "TALCA", "CHILLÁN", "LA SERENA", "COQUIMBO", "ANTOFAGASTA", "IQUIQUE", "ARICA", "OSORNO",
    "PUERTO MONTT", "VALDIVIA", "PUNTA ARENAS", "QUILICURA", "PEÑALOLÉN", "SAN BERNARDO",
)
STREETS: tuple[str, ...] = (
    "AV. LIBERTADOR BERNARDO O'HIGGINS", "AV. PROVIDENCIA", "CALLE LOS AROMOS", "PASAJE EL ROBLE",
    "AV. VICUÑA MACKENNA", "CALLE SAN MARTÍN", "AV. IRARRÁZAVAL", "CALLE COLÓN", "AV. ALEMANIA",
    "CALLE MAIPÚ", "AV. PEDRO DE VALDIVIA", "CALLE ESMERALDA", "PASAJE LAS ACACIAS", "AV. LOS CARRERA",
)
COMPANIES: tuple[str, ...] = (
    "BANCO CORDILLERA", "BANCO AUSTRAL DEL PACÍFICO", "FINANCIERA LOS ANDES", "COOPERATIVA VALLE CENTRAL",
    "SEGUROS PACÍFICO SUR", "INMOBILIARIA ALTAMIRA", "SERVICIOS INTEGRALES LIMITADA", "CAJA DE AHORRO DEL NORTE",
    "CORREDORA DE BOLSA ALERCE", "TELECOMUNICACIONES ANDINAS S.A.", "ISAPRE VIDA PLENA", "AFP HORIZONTE",
)
STORES: tuple[str, ...] = (
    "SUPERMERCADO EL ROBLE", "FARMACIA SAN RAFAEL", "FERRETERÍA LOS AROMOS", "PANADERÍA LA ESPIGA",
    "MINIMARKET DON PEPE", "LIBRERÍA CENTRAL", "BOTILLERÍA LA ESQUINA", "COMERCIAL SANTA ELENA LTDA.",
    "ESTACIÓN DE SERVICIO RUTA 5", "RESTAURANTE EL FOGÓN",
)
ITEMS: tuple[str, ...] = (
    "PAN MARRAQUETA KG", "LECHE ENTERA 1L", "ARROZ GRADO 1 1KG", "ACEITE MARAVILLA 900ML", "DETERGENTE 3L",
    "TOMATE KG", "PALTA HASS KG", "BEBIDA COLA 1.5L", "CAFE INSTANTANEO 170G", "AZUCAR 1KG", "HUEVOS X12",
    "QUESO GAUDA LAMINADO", "JAMON PIERNA 250G", "YOGHURT BATIDO", "TALLARINES 400G", "PAPEL HIGIENICO X4",
    "AGUA MINERAL 1.6L", "MANZANA ROJA KG", "POLLO ENTERO KG", "TE 100 BOLSITAS", "GALLETAS SURTIDAS",
    "CUADERNO UNIVERSITARIO", "LAPIZ PASTA AZUL", "PARACETAMOL 500MG", "SHAMPOO 400ML", "PILAS AA X4",
)
FORM_LABELS: tuple[str, ...] = (
    "APELLIDOS", "NOMBRES", "RUT", "RUN", "FECHA DE NACIMIENTO", "NACIONALIDAD", "SEXO", "DOMICILIO",
    "COMUNA", "CIUDAD", "REGIÓN", "TELÉFONO", "CORREO ELECTRÓNICO", "ESTADO CIVIL", "PROFESIÓN U OFICIO",
    "NÚMERO DOCUMENTO", "FECHA DE EMISIÓN", "FECHA DE VENCIMIENTO", "EMPLEADOR", "RENTA LÍQUIDA MENSUAL",
    "APELLIDO PATERNO", "APELLIDO MATERNO", "NOMBRE COMPLETO", "N° DE SERIE", "LUGAR DE NACIMIENTO",
)
CARD_WORDS: tuple[str, ...] = (
    "REPÚBLICA DE CHILE", "CÉDULA DE IDENTIDAD", "SERVICIO DE REGISTRO CIVIL E IDENTIFICACIÓN",
    "FIRMA DEL TITULAR",
)
"""Words the card itself prints: a KYC form asks for a copy of them."""
FORM_TITLES: tuple[str, ...] = (
    "SOLICITUD DE APERTURA DE CUENTA", "FORMULARIO DE VINCULACIÓN DE CLIENTES", "DECLARACIÓN JURADA SIMPLE",
    "SOLICITUD DE CRÉDITO DE CONSUMO", "FICHA DE INGRESO DE SOCIO", "ACTUALIZACIÓN DE DATOS PERSONALES",
    "FORMULARIO DE POSTULACIÓN", "MANDATO DE PAGO AUTOMÁTICO",
)
CONTRACT_TITLES: tuple[str, ...] = (
    "CONTRATO DE ARRENDAMIENTO", "CONTRATO DE PRESTACIÓN DE SERVICIOS", "CONTRATO DE TRABAJO",
    "PAGARÉ", "CONTRATO DE COMPRAVENTA", "MANDATO ESPECIAL", "ANEXO DE CONTRATO",
)
CLAUSES: tuple[str, ...] = (
    "PRIMERO", "SEGUNDO", "TERCERO", "CUARTO", "QUINTO", "SEXTO", "SÉPTIMO", "OCTAVO", "NOVENO", "DÉCIMO",
)
HEADLINE_WORDS: tuple[str, ...] = (
    "Gobierno", "anuncia", "nuevo", "plan", "para", "la", "región", "Alza", "del", "dólar", "golpea",
    "importaciones", "Vecinos", "exigen", "solución", "por", "cortes", "de", "agua", "Récord", "de", "visitas",
    "en", "el", "sur", "Lluvias", "dejan", "familias", "damnificadas", "Concejo", "aprueba", "presupuesto",
    "Colo-Colo", "gana", "clásico", "Temporada", "de", "cerezas", "rompe", "marcas", "Suben", "los",
    "combustibles", "Metro", "extiende", "horario", "Bomberos", "controlan", "incendio", "forestal",
)
# fmt: on


def pick(rng: np.random.Generator, items: Sequence[T]) -> T:
    """One of ``items``, uniformly."""
    return items[int(rng.integers(len(items)))]


def sentence(rng: np.random.Generator, words: int | None = None) -> str:
    """A made-up Spanish sentence: capitalised, a comma now and then, a full stop."""
    n = int(words or rng.integers(6, 22))
    out = [pick(rng, WORDS) for _ in range(n)]
    for i in range(2, n - 2):
        if rng.random() < 0.07:
            out[i] += ","
    if rng.random() < 0.25:
        out[int(rng.integers(n))] = pick(rng, (money(rng), spanish_date(rng), run(rng), str(rng.integers(2, 99))))
    text = " ".join(out)
    return text[0].upper() + text[1:] + "."


def paragraph(rng: np.random.Generator, sentences: int | None = None) -> str:
    return " ".join(sentence(rng) for _ in range(int(sentences or rng.integers(2, 7))))


def run(rng: np.random.Generator) -> str:
    """A RUN with a valid check digit, dotted as printed: ``12.345.678-5``."""
    body = int(rng.integers(4_000_000, 27_000_000))
    return f"{body:,}".replace(",", ".") + "-" + rut.calc_check_digit(str(body))


def company_rut(rng: np.random.Generator) -> str:
    body = int(rng.integers(76_000_000, 77_999_999))
    return f"{body:,}".replace(",", ".") + "-" + rut.calc_check_digit(str(body))


def random_day(rng: np.random.Generator, first_year: int = 1940, last_year: int = 2026) -> dt.date:
    start = dt.date(first_year, 1, 1).toordinal()
    return dt.date.fromordinal(start + int(rng.integers(dt.date(last_year, 12, 31).toordinal() - start)))


def card_date(day: dt.date, specimen: bool = False) -> str:
    """The card's own way: ``08 MAYO 1975`` (``8 MAY 1975`` in the specimen's style)."""
    return format_date(day, SPECIMEN if specimen else REAL)


def any_date(rng: np.random.Generator, day: dt.date | None = None) -> str:
    """A date as forms and letters write it, sometimes exactly as the card does."""
    day = day or random_day(rng)
    forms = (
        f"{day.day:02d}/{day.month:02d}/{day.year}",
        f"{day.day:02d}-{day.month:02d}-{day.year}",
        card_date(day, rng.random() < 0.3),
        f"{day.day} de {SPANISH_MONTHS[day.month - 1]} de {day.year}",
        f"{day.day:02d}.{day.month:02d}.{day.year % 100:02d}",
    )
    return pick(rng, forms)


def spanish_date(rng: np.random.Generator) -> str:
    day = random_day(rng, 2015, 2026)
    return f"{day.day} de {SPANISH_MONTHS[day.month - 1]} de {day.year}"


def money(rng: np.random.Generator) -> str:
    return "$ " + f"{int(rng.integers(1, 2000)) * 990:,}".replace(",", ".")


def surnames(rng: np.random.Generator) -> str:
    return f"{pick(rng, SURNAMES)} {pick(rng, SURNAMES)}"


def given_names(rng: np.random.Generator) -> str:
    pool = FEMALE_NAMES if rng.random() < 0.5 else MALE_NAMES
    return " ".join(pick(rng, pool) for _ in range(int(rng.integers(1, 3))))


def full_name(rng: np.random.Generator) -> str:
    return f"{given_names(rng)} {surnames(rng)}"


def address(rng: np.random.Generator) -> str:
    number = int(rng.integers(10, 9999))
    flat = f", DEPTO {rng.integers(11, 2200)}" if rng.random() < 0.4 else ""
    return f"{pick(rng, STREETS)} {number}{flat}"


def phone_number(rng: np.random.Generator) -> str:
    return f"+56 9 {rng.integers(1000, 9999)} {rng.integers(1000, 9999)}"


def email(rng: np.random.Generator) -> str:
    user = pick(rng, FEMALE_NAMES + MALE_NAMES).lower()
    user = user.translate(str.maketrans("áéíóúñü", "aeiounu"))
    return f"{user}.{pick(rng, SURNAMES).lower().translate(str.maketrans('áéíóúñü', 'aeiounu'))}@correo.cl"


def form_value(rng: np.random.Generator, label: str) -> str:
    """A plausible typed value for a form field called ``label`` (another person's data)."""
    if "APELLIDO" in label:
        return surnames(rng) if label == "APELLIDOS" else pick(rng, SURNAMES)
    if label in ("NOMBRES", "NOMBRE COMPLETO"):
        return given_names(rng) if label == "NOMBRES" else full_name(rng)
    if label in ("RUT", "RUN"):
        return run(rng)
    if label.startswith("FECHA"):
        return any_date(rng)
    if label == "NACIONALIDAD":
        return pick(rng, ("CHILENA", "CHILENA", "VENEZOLANA", "PERUANA", "COLOMBIANA", "HAITIANA"))
    if label == "SEXO":
        return pick(rng, ("M", "F"))
    if label == "DOMICILIO":
        return address(rng)
    if label in ("COMUNA", "CIUDAD", "LUGAR DE NACIMIENTO"):
        return pick(rng, COMMUNES)
    if label == "REGIÓN":
        return pick(rng, ("METROPOLITANA", "VALPARAÍSO", "BIOBÍO", "ARAUCANÍA", "LOS LAGOS", "MAULE"))
    if label == "TELÉFONO":
        return phone_number(rng)
    if label == "CORREO ELECTRÓNICO":
        return email(rng)
    if label == "ESTADO CIVIL":
        return pick(rng, ("SOLTERO(A)", "CASADO(A)", "DIVORCIADO(A)", "VIUDO(A)", "CONVIVIENTE CIVIL"))
    if label in ("NÚMERO DOCUMENTO", "N° DE SERIE"):
        digits = f"{int(rng.integers(100_000_000, 999_999_999))}"
        return f"{digits[:3]}.{digits[3:6]}.{digits[6:]}" if rng.random() < 0.5 else digits
    if label == "RENTA LÍQUIDA MENSUAL":
        return money(rng)
    if label == "EMPLEADOR":
        return pick(rng, COMPANIES)
    return pick(rng, ("INGENIERO COMERCIAL", "PROFESOR", "TÉCNICO", "ESTUDIANTE", "COMERCIANTE", "ABOGADO"))

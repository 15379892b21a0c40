"""The generator's wider world: scenes, effects and their truth, domains, and where the card really is."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from chile_id_ocr.synth import capture as cap
from chile_id_ocr.synth import generate_back, generate_front
from chile_id_ocr.synth.backgrounds import BACKGROUNDS
from chile_id_ocr.synth.cli import main as cli_main
from chile_id_ocr.synth.domains import ALL, DOMAINS, PAGE_SCENES, SCENES, resolve
from chile_id_ocr.synth.fonts import BY_NAME
from chile_id_ocr.synth.hand import HAND_STYLES, MAX_TEXT_HIDDEN
from chile_id_ocr.synth.objects import OBJECT_STYLES
from chile_id_ocr.synth.pages import PAGE_STYLES
from chile_id_ocr.synth.render import FONT_FACES
from chile_id_ocr.synth.scenes import Region
from chile_id_ocr.synth.template import CARD_WIDTH, rounded_alpha
from skips import needs_template  # the template is missing: FAIL under CI, skip elsewhere

MODEL_POOLS = ("motion_blur", "defocus", "lighting", "noise", "white_balance", "demosaic")


SMALL = {"PHOTO_SIZES": (((800, 600), 1.0),), "LARGE_SIZES": (((1200, 900), 1.0),)}


@pytest.fixture
def small_frames(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Photos of 800x600 (1200x900 for small cards), to keep the tests quick."""
    for name, sizes in SMALL.items():
        monkeypatch.setattr(cap, name, sizes)
    yield


@pytest.fixture(scope="module")
def photos(template: Path) -> list[dict[str, Any]]:
    """The truth of 30 photos (all domains), shared by the tests that look across seeds."""
    with pytest.MonkeyPatch.context() as mp:
        for name, sizes in SMALL.items():
            mp.setattr(cap, name, sizes)
        return [generate_front(seed, "photo").truth for seed in range(30)]


# --- domains -----------------------------------------------------------------------------------------------


def test_the_two_domains_share_nothing_and_name_only_what_exists() -> None:
    a, b = DOMAINS["A"], DOMAINS["B"]
    for pool in ("card_faces", "page_fonts", "surfaces", "scan_beds", *MODEL_POOLS):
        assert getattr(a, pool) and getattr(b, pool), pool
        assert not set(getattr(a, pool)) & set(getattr(b, pool)), pool
    for kind in SCENES[1:]:
        assert a.styles_of(kind) and b.styles_of(kind) and not set(a.styles_of(kind)) & set(b.styles_of(kind))
    assert set(a.card_faces) | set(b.card_faces) == {f.name for f in FONT_FACES}
    assert set(a.page_fonts) | set(b.page_fonts) <= set(BY_NAME)
    assert set(a.surfaces) | set(b.surfaces) == set(BACKGROUNDS)
    assert {s for d in (a, b) for styles in d.styles.values() for s in styles} == (
        set(PAGE_STYLES) | set(OBJECT_STYLES) | set(HAND_STYLES)
    )
    assert resolve(None) is ALL and set(ALL.surfaces) == set(BACKGROUNDS)
    with pytest.raises(ValueError, match="unknown domain"):
        resolve("C")


@needs_template
@pytest.mark.usefixtures("small_frames")
@pytest.mark.parametrize("domain", ["A", "B"])
def test_a_domain_draws_only_from_its_half(domain: str) -> None:
    half = DOMAINS[domain]
    seen: dict[str, set[str]] = {pool: set() for pool in MODEL_POOLS}
    for seed in range(8):
        truth = generate_front(seed, "hard" if seed % 2 else "photo", domain=domain).truth
        c = truth["capture"]
        assert truth["domain"] == c["domain"] == domain
        assert truth["render"]["font"] in half.card_faces
        assert c["surface"] in half.surfaces
        for key in ("page", "other_card", "phone", "hand"):
            if key in c:
                kind = c["scene"] if key == "page" else key
                assert c[key]["style"] in half.styles_of(kind)
                assert set(c[key].get("fonts", [])) <= set(half.page_fonts)
        seen["lighting"].add(c["lighting"]["model"])
        seen["defocus"].add(c["defocus"]["model"])
        seen["noise"].add(c["noise"]["model"])
        seen["white_balance"].add(c["white_balance"]["model"])
        seen["demosaic"].add(c["bayer"]["demosaic"])
        if "motion_blur" in c:
            seen["motion_blur"].add(c["motion_blur"]["model"])
    for pool, models in seen.items():
        assert models == set(getattr(half, pool)), pool


# --- determinism -------------------------------------------------------------------------------------------


@needs_template
@pytest.mark.usefixtures("small_frames")
@pytest.mark.parametrize(("condition", "domain"), [("photo", None), ("page", "A"), ("hard", "B")])
def test_deterministic_per_seed_condition_and_domain(condition: str, domain: str | None) -> None:
    a = generate_front(21, condition, domain=domain)
    b = generate_front(21, condition, domain=domain)
    assert a.image == b.image and a.truth == b.truth
    other = generate_front(21, condition, domain="A" if domain != "A" else "B")
    assert other.image != a.image
    assert other.truth["result"] == a.truth["result"]  # the same person in every domain


@needs_template
def test_domains_of_a_scan_keep_to_their_bed_and_faces() -> None:
    for domain, bed in (("A", "scanner_white"), ("B", "scanner_grey")):
        truth = generate_front(5, "scan", domain=domain).truth
        assert truth["capture"]["background"] == bed
        assert truth["render"]["font"] in DOMAINS[domain].card_faces


# --- scenes ------------------------------------------------------------------------------------------------


@needs_template
@pytest.mark.usefixtures("small_frames")
def test_page_always_has_a_page_and_the_truth_says_which() -> None:
    kinds, under = set(), 0
    for seed in range(6):
        truth = generate_front(seed, "page", domain=("A", "B")[seed % 2]).truth
        c = truth["capture"]
        assert c["scene"] in PAGE_SCENES and c["effects"] == []
        assert c["page"]["visible"] and c["page"]["style"] in DOMAINS[truth["domain"]].styles_of(c["scene"])
        kinds.add(c["scene"])
        under += c["page"]["text_under_card"] > 0
        json.dumps(truth)
    assert len(kinds) >= 3 and under >= 3  # the card lies over the page's text


def _magenta_card() -> tuple[np.ndarray, np.ndarray]:
    h = round(CARD_WIDTH * 53.98 / 85.6)
    card = np.zeros((h, CARD_WIDTH, 3), np.uint8)
    card[:] = (255, 0, 255)
    return card, rounded_alpha(CARD_WIDTH, h, 25.0 * CARD_WIDTH / 674)


def _magenta(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    xy = np.round(points).astype(int)
    keep = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)
    px = image[xy[keep, 1], xy[keep, 0]].astype(int)
    return (px[:, 0] - px[:, 1] > 40) & (px[:, 2] - px[:, 1] > 40)


@pytest.mark.usefixtures("small_frames")
@pytest.mark.parametrize(
    "effects",
    [(), ("bent_card",), ("strong_perspective",), ("small_card", "rotation_90"), ("bent_card", "low_quality")],
)
def test_card_quad_is_where_the_card_is(effects: tuple[str, ...]) -> None:
    """A flat magenta card: just inside each corner of ``card_quad`` is card, just outside is not; for a
    flat card (the quad's edges are its edges) the whole inside is card."""
    card, alpha = _magenta_card()
    for seed in range(3):
        shot = cap.photo(card, alpha, np.random.default_rng(seed), effects, scene="plain")
        quad = shot.quad.astype(float)
        centre = quad.mean(0)
        diag = np.linalg.norm(quad - centre, axis=1, keepdims=True)
        unit = (quad - centre) / diag
        inside = quad - unit * diag * 0.06  # past the rounded corner
        outside = quad + unit * 12
        assert _magenta(shot.image, inside).all(), (seed, quad)
        assert not _magenta(shot.image, outside).any(), (seed, quad)
        if "bent_card" not in effects and "lens" not in shot.params:
            t = np.linspace(0.05, 0.95, 15)
            fill = np.array([(1 - u) * ((1 - v) * quad[0] + v * quad[3]) + u * ((1 - v) * quad[1] + v * quad[2])
                             for u in t for v in t])  # fmt: skip
            assert _magenta(shot.image, fill).mean() > 0.97


@pytest.mark.usefixtures("small_frames")
@pytest.mark.parametrize("effect", cap.HARD_EFFECTS)
def test_each_hard_effect_is_applied_and_recorded(effect: str) -> None:
    card, alpha = _magenta_card()
    for seed in range(2):
        p = cap.photo(card, alpha, np.random.default_rng(seed), (effect,), scene="plain").params
        assert p["effects"] == [effect]
        if effect == "glare":
            assert p["glare"]["intensity"] > 0
        elif effect == "motion_blur":
            assert 8 <= p["motion_blur"]["length_px"] <= 25 and p["motion_blur"]["model"] in ("line", "shake")
        elif effect == "low_light":
            assert p["low_light"]["exposure"] < 0.4 and p["noise"]["shot"] >= 0.002
        elif effect == "small_card":
            assert 0.14 <= p["card_area_fraction"] <= 0.31
        elif effect == "strong_perspective":
            assert 25 <= p["tilt_deg"] <= 40
        elif effect == "bent_card":
            assert p["bend"]["lift_mm"] > 1.0
        elif effect == "low_quality":
            assert p["jpeg_quality"] <= 55 and p["jpeg"]["qualities"][-1] == p["jpeg_quality"]
        else:
            assert min(abs(p["rotation_deg"] - r) for r in (90, 180, 270)) <= 4


def test_photos_record_every_step_and_widen_over_seeds(photos: list[dict[str, Any]]) -> None:
    """Over a range of seeds, photos show the scene kinds, and each capture records its camera."""
    scenes, optional = set(), set()
    for truth in photos:
        c = truth["capture"]
        scenes.add(c["scene"])
        for key in ("frame_size", "card_area_fraction", "rotation_deg", "tilt_deg", "surface", "lighting",
                    "defocus", "bayer", "noise", "white_balance", "exposure", "jpeg", "jpeg_quality"):  # fmt: skip
            assert key in c, key
        optional |= {k for k in ("lens", "bend", "sharpen", "motion_blur") if k in c}
        optional |= {"double_jpeg"} if len(c["jpeg"]["qualities"]) == 2 else set()
        assert c["tilt_deg"] <= 40 and c["effects"] == []
    assert scenes <= set(SCENES) and {"plain", "hand", "other_card", "phone"} <= scenes and scenes & set(PAGE_SCENES)
    assert optional == {"lens", "bend", "sharpen", "motion_blur", "double_jpeg"}


def test_a_thumb_hides_little_of_the_printed_values_and_the_truth_says_what(photos: list[dict[str, Any]]) -> None:
    hands = [t["capture"]["hand"] for t in photos if t["capture"]["scene"] == "hand"]
    assert len(hands) >= 3
    for hand in hands:
        assert hand["style"] in ("hand_thumb", "hand_grip") and hand["edge"] in ("left", "right", "top", "bottom")
        values = {k: v for k, v in hand["occluded"].items() if k not in ("portrait", "run_label")}
        assert all(0 < v <= MAX_TEXT_HIDDEN for v in values.values())
        polygon = np.array(hand["thumb_polygon"])
        assert polygon.shape[1] == 2 and len(polygon) > 10


def test_a_thumb_that_must_avoid_the_text_keeps_off_it() -> None:
    """A card whose whole face is printed values: the thumb is pushed back to the edge."""
    card, alpha = _magenta_card()
    h, w = card.shape[:2]
    everything = {"all": Region((0.0, 0.0, float(w), float(h)), True)}
    for seed in range(4):
        p = cap.photo(card, alpha, np.random.default_rng(seed), (), scene="hand", regions=everything).params
        assert p["hand"]["occluded"].get("all", 0.0) <= MAX_TEXT_HIDDEN


@needs_template
@pytest.mark.usefixtures("small_frames")
def test_backs_take_every_condition_and_domain() -> None:
    for condition, domain in (("page", "B"), ("hard", "A")):
        sample = generate_back(3, condition, domain=domain)
        c = sample.truth["capture"]
        assert sample.truth["domain"] == domain and c["surface"] in DOMAINS[domain].surfaces
        pixels = cv2.imdecode(np.frombuffer(sample.image, np.uint8), cv2.IMREAD_COLOR)
        assert [pixels.shape[1], pixels.shape[0]] == sample.truth["image_size"] == c["frame_size"]


@needs_template
def test_cli_names_files_by_domain(tmp_path: Path) -> None:
    assert cli_main(["--out", str(tmp_path), "--n", "1", "--seed", "7", "--condition", "scan", "--domain", "B"]) == 0
    truth = json.loads((tmp_path / "scan_B_000007.json").read_text(encoding="utf-8"))
    assert truth["domain"] == "B" and truth["render"]["font"] in DOMAINS["B"].card_faces


def test_unknown_condition_or_domain() -> None:
    with pytest.raises(ValueError, match="condition"):
        generate_back(0, "fax")
    with pytest.raises(ValueError, match="domain"):
        generate_front(0, "photo", domain="Z")


def test_page_text_is_the_size_of_the_card_text() -> None:
    """Body text on forms, letters and receipts has a cap height within the card's values' range
    (2 mm) give or take a third, so a reader cannot tell the card's text by its size alone."""
    from chile_id_ocr.synth.fonts import installed
    from chile_id_ocr.synth.pages import PAGE_STYLES
    from chile_id_ocr.synth.sheet import Sheet

    fonts = installed(ALL.page_fonts)
    for name, style in PAGE_STYLES.items():
        rng = np.random.default_rng(random.Random(name).randrange(1 << 30))
        size = style.size(rng)
        sheet = Sheet.whole(size, 2.0, style.paper(rng))
        style.draw(sheet, rng, fonts)
        caps = sorted((b[3] - b[1]) / 1.75 for b in sheet.text_boxes)
        median = caps[len(caps) // 2]
        assert 1.3 <= median <= 2.8, (name, median)

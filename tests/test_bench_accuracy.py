"""bench/accuracy.py's breakdown by effect: a hard capture counts under each of its effects."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import accuracy


def _outcome(
    seed: int, condition: str, effects: tuple[str, ...], right: bool, scene: str = "plain"
) -> accuracy.Outcome:
    truth = {name: f"value {name}" for name in accuracy.FRONT_FIELDS}
    got = dict(truth) if right else None
    task = accuracy.Task("front", condition, "2013", seed, None, False)
    outcome = accuracy.Outcome("product", task, scene, truth, got, error="" if right else "AIS.0104")
    outcome.effects = effects
    return outcome


def test_each_effect_of_a_hard_capture_gets_its_row() -> None:
    outcomes = [
        _outcome(1, "hard", ("low_light", "motion_blur"), right=False),
        _outcome(2, "hard", ("motion_blur",), right=True),
        _outcome(3, "photo", (), right=True, scene="hand"),
    ]
    text = "\n".join(accuracy._scenes(outcomes))
    assert "### By effect (hard captures)" in text
    rows = {line.split(" | ")[0].strip("| "): line for line in text.splitlines() if line.startswith("| ")}
    assert rows["low_light"].startswith("| low_light | 1 | 0.0 % | 0.0 % | 100.0 %")
    assert rows["motion_blur"].startswith("| motion_blur | 2 | 50.0 % | 50.0 % | 50.0 %")
    assert rows["plain"].startswith("| plain | 2 |") and rows["hand"].startswith(
        "| hand | 1 |"
    )  # scenes: all but scans


def test_the_truth_names_a_hard_captures_effects() -> None:
    task = accuracy.Task("front", "hard", "2013", 5000, None, False)
    image, truth = accuracy._sample(task)
    assert image and 1 <= len(truth["capture"]["effects"]) <= 3


def test_mrz_lines_exact_are_also_counted_over_the_backs_no_hand_covers() -> None:
    """A thumb over the MRZ hides characters no reader can give back: the backs whose MRZ is clear
    are counted apart, so that what the reader misses where it could read is seen."""
    task = accuracy.Task("back", "photo", "2013", 1, None, False)
    outcomes = []
    for exact, covered in ((True, False), (False, False), (False, True), (True, True)):
        outcome = accuracy.Outcome("product", task, "hand", {}, {})
        outcome.mrz_exact, outcome.mrz_covered = exact, covered
        outcomes.append(outcome)
    summary = accuracy.summarize(outcomes)
    assert (summary.mrz_exact, summary.mrz_clear, summary.mrz_clear_exact) == (2, 2, 1)
    assert "| 50.0 % | 50.0 % of 2 |" in accuracy.render(outcomes)


def test_the_truth_says_where_a_hand_covers_a_backs_mrz() -> None:
    task = accuracy.Task("back", "photo", "2013", 5009, None, False)
    outcome = accuracy.evaluate(task)[0]
    assert outcome.scene == "hand" and outcome.mrz_covered

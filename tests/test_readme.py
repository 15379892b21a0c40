"""The README is a one-screen quick start whose first command sets up and serves, whose test command CI runs
(``.ci/run`` reads it between its markers), and which links every page of docs/; no link in it or in docs/ is
broken."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _ci_command() -> str:
    """The test command exactly as .ci/run extracts it (its own ``cmd=$(...)`` line, run by bash)."""
    ci = (REPO / ".ci" / "run").read_text()
    extract = next(line for line in ci.splitlines() if line.startswith("cmd=$("))
    proc = subprocess.run(
        ["bash", "-c", f'set -euo pipefail; cd "{REPO}"; {extract}; printf %s "$cmd"'],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return proc.stdout


def test_ci_finds_one_test_command_that_sets_up_checks_and_tests() -> None:
    command = _ci_command()
    assert command.count("\n") == 0
    assert command.startswith("bash scripts/setup.sh --test && ")
    for step in (".venv/bin/ruff check", ".venv/bin/lint-imports", ".venv/bin/mypy", ".venv/bin/python -m pytest"):
        assert step in command


def test_the_set_up_commands_come_first_and_the_quick_start_fits_a_screen() -> None:
    blocks = re.findall(r"```(?:sh|python)\n(.*?)```", README, flags=re.DOTALL)
    assert blocks[0] == "bash scripts/setup.sh && .venv/bin/chile-id-ocr serve\n"
    assert blocks[1].startswith(".venv/bin/chile-id-ocr recognize ")
    quick = README[README.index("## Quick start") : README.index("<!-- ci:test-command -->")]
    assert len(quick.splitlines()) <= 60
    for step in ("admin bootstrap", "curl ", "recognize", "chile-id-ocr batch"):
        assert step in quick


def test_every_docs_page_is_linked_and_no_link_is_broken() -> None:
    linked = {REPO / target for target in LINK.findall(README) if "://" not in target}
    pages = sorted((REPO / "docs").glob("*.md"))
    assert [p.name for p in pages if p not in linked] == []
    for page in [REPO / "README.md", *pages]:
        for target in LINK.findall(page.read_text()):
            if "://" not in target:
                assert (page.parent / target).exists(), f"{page.name} links to a missing {target}"

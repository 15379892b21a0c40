"""Packaging (docs/install.md, docs/docker.md): the engine alone is ``pip install chile-id-ocr``; the service, batch,
generator and training are extras; the command says which extra a command lacks; the container installs what CI
installs. Docker cannot run on the test machine, so the image is checked here by what it is made of."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from chile_id_ocr.cli import missing_requirements

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
ENGINE_FREE_OF = (
    "chile_id_ocr.api", "chile_id_ocr.batch", "chile_id_ocr.store", "chile_id_ocr.synth",
    "fastapi", "starlette", "uvicorn", "pydantic_settings", "sqlalchemy", "alembic", "argon2", "prometheus_client",
    "httpx", "psycopg", "pyarrow", "fsspec", "ray", "segno", "torch",
)  # fmt: skip
SERVER_LIBRARIES = {"fastapi", "uvicorn", "sqlalchemy", "alembic", "argon2-cffi", "pydantic-settings", "psycopg"}


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower() for r in requirements}


def _loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    return set(json.loads(proc.stdout.splitlines()[-1]))


def _offending(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == bad or m.startswith(bad + ".") for bad in ENGINE_FREE_OF))


def test_the_engine_imports_no_service_database_batch_or_generator_module(real: Path) -> None:
    loaded = _loaded_after(
        "import chile_id_ocr\n"
        "from chile_id_ocr import recognize, RecognitionError\n"
        f"recognize(open({str(real / 'specimen_front_small.jpg')!r}, 'rb').read())"
    )
    assert "chile_id_ocr.pipeline" in loaded  # it did run the engine
    assert _offending(loaded) == []


def test_the_recognize_command_needs_nothing_of_the_service(real: Path) -> None:
    loaded = _loaded_after(
        "from chile_id_ocr.cli import main\n"
        f"assert main(['recognize', {str(real / 'specimen_front_small.jpg')!r}]) == 0"
    )
    assert "chile_id_ocr.pipeline" in loaded
    # the line `recognize` prints is a batch record (chile_id_ocr.batch.records): batch's modules, not its extra
    assert [m for m in _offending(loaded) if not m.startswith("chile_id_ocr.batch")] == []


def test_the_plain_install_is_the_engine_and_the_rest_are_extras() -> None:
    project = PYPROJECT["project"]
    core = _names(project["dependencies"])
    assert {"numpy", "onnxruntime", "rapidocr", "opencv-python-headless"} <= core
    assert not (SERVER_LIBRARIES | {"tqdm", "pyarrow", "ray", "segno", "torch", "pydantic"}) & core
    extras = {name: _names(reqs) for name, reqs in project["optional-dependencies"].items()}
    assert extras["server"] >= SERVER_LIBRARIES
    assert {"tqdm", "pyarrow", "fsspec"} <= extras["batch"]
    assert "ray" in extras["ray"] and "segno" in extras["synth"] and "segno" in extras["train"]
    # torch only in [train], and pinned
    assert [name for name, reqs in extras.items() if "torch" in reqs] == ["train"]
    assert "torch==2.13.0" in project["optional-dependencies"]["train"]


def test_a_command_without_its_extra_says_which_to_install_in_one_line() -> None:
    # fastapi made unimportable in a fresh interpreter: `serve` must name the [server] extra, not raise
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'fastapi':\n"
        "            raise ModuleNotFoundError(f\"No module named '{name}'\", name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import chile_id_ocr.cli as cli\n"
        "cli.missing_requirements = lambda extra: []  # as when run from a source tree without metadata\n"
        "sys.exit(cli.main(['serve', '--print-config']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "chile-id-ocr serve: needs the [server] extra (fastapi is not installed): pip install 'chile-id-ocr[server]'"
    ]


def test_the_extras_are_read_from_the_installed_metadata() -> None:
    assert missing_requirements("server") == []  # the test environment has the service
    assert missing_requirements("no-such-extra") == []


def test_version() -> None:
    from chile_id_ocr import __version__

    proc = subprocess.run([sys.executable, "-m", "chile_id_ocr.cli", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout == f"chile-id-ocr {__version__}\n"
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "chile_id_ocr.__version__"}


def _setup_extras(test: bool) -> set[str]:
    text = (REPO / "scripts" / "setup.sh").read_text()
    found = re.findall(r"^(\$TEST && )?EXTRAS=([\w,-]+)$", text, flags=re.MULTILINE)
    return next(set(extras.split(",")) for prefix, extras in found if bool(prefix) == test)


def test_setup_installs_every_extra_the_tests_use_and_fonts_and_postgresql_only_for_tests() -> None:
    assert {"server", "batch", "synth", "dev"} <= _setup_extras(test=False)
    assert {"server", "batch", "synth", "dev", "web-test", "ray"} <= _setup_extras(test=True)
    text = (REPO / "scripts" / "setup.sh").read_text()
    plain = text[: text.index("if $TEST; then")]
    assert "postgresql" not in plain and "fonts-" not in plain  # `serve` needs neither


def test_the_image_installs_what_ci_installs_runs_unprivileged_and_checks_its_health() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\w+))?", dockerfile, flags=re.MULTILINE)
    assert len(stages) == 2 and stages[0][1] == "build"
    assert "COPY --from=build /opt/chile-id-ocr /opt/chile-id-ocr" in dockerfile
    install = re.search(r'pip install "\.\[([\w,-]+)\]"', dockerfile)
    assert install is not None and set(install.group(1).split(",")) <= _setup_extras(test=True)
    final = dockerfile[dockerfile.rindex("FROM ") :]
    user = re.search(r"^USER\s+(\S+)", final, flags=re.MULTILINE)
    assert user is not None and user.group(1) not in {"root", "0"}
    health = re.search(r"^HEALTHCHECK [^\n]*\\\n\s*CMD (\[[^\n]*\])$", final, flags=re.MULTILINE)
    assert health is not None and "/health" in json.loads(health.group(1))[-1]
    assert "/health" in (REPO / "src" / "chile_id_ocr" / "api" / "operations.py").read_text()
    ignored = (REPO / ".dockerignore").read_text().split()
    assert ignored[ignored.index("*") + 1 :][:3] == ["!pyproject.toml", "!README.md", "!src/"]


def test_compose_runs_the_service_beside_postgresql() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    db, ocr = compose["services"]["db"], compose["services"]["ocr"]
    assert db["image"].startswith("postgres:") and "healthcheck" in db
    assert ocr["build"] == "." and ocr["depends_on"]["db"]["condition"] == "service_healthy"
    assert ocr["environment"]["DATABASE_URL"].startswith("postgresql://") and "@db:5432/" in ocr["environment"][
        "DATABASE_URL"
    ]
    assert ":?" in db["environment"]["POSTGRES_PASSWORD"]  # no default password: compose refuses to start
    assert all(port.startswith("127.0.0.1:") for port in ocr["ports"])

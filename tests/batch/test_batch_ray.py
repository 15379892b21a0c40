"""The Ray engine against a real local Ray cluster (2 CPUs, loopback only), shared by these tests.

The job runs as a user would run it on an existing cluster: ``chile-id-ocr batch --engine ray --address ...``
in its own process, joining the cluster this session started.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from batch_support import Cards, Run, fifo, kill_reader, pid_alive, run_cli, summary_row
from skips import missing

RAY_ENV = {
    "RAY_USAGE_STATS_ENABLED": "0",  # nothing leaves the machine
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # the cluster and its drivers listen on 127.0.0.1 only
}


@pytest.fixture(scope="session")
def ray_address() -> Iterator[str]:
    """A local Ray cluster with 2 CPUs for the whole session; its GCS address."""
    saved = {key: os.environ.get(key) for key in RAY_ENV}
    os.environ.update(RAY_ENV)
    try:
        import ray
    except ImportError:
        missing("Ray is not installed (pip install 'chile-id-ocr[ray]')", "installed by `bash scripts/setup.sh ray`")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        address = ray.get_runtime_context().gcs_address
        assert address.startswith("127.0.0.1:"), address
        yield address
    finally:
        ray.shutdown()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclass(frozen=True)
class RayRun:
    returncode: int
    stderr: str
    records: dict[str, dict]
    killed: int


@pytest.fixture(scope="module")
def ray_run(ray_address: str, cards: Cards, tmp_path_factory: pytest.TempPathFactory) -> RayRun:
    """The local engine's inputs, plus a card that kills its worker and one that never arrives, on Ray."""
    root = tmp_path_factory.mktemp("batch-ray")
    crash, hang = fifo(root / "crash.jpg"), fifo(root / "hang.jpg")
    faults = root / "faults.csv"
    faults.write_text(f"id,front\ncrash,{crash}\nhang,{hang}\n")
    out = root / "records.jsonl"
    proc = run_cli(
        *cards.inputs, str(faults), "--out", str(out), "--details", "--engine", "ray", "--address", ray_address,
        "--timeout", "20", "--progress", "plain",
    )  # fmt: skip
    killed = kill_reader(crash)
    _, stderr = proc.communicate(timeout=300)
    records = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return RayRun(proc.returncode, stderr, {r["id"]: r for r in records}, killed)


def test_ray_writes_the_same_records_as_the_local_engine(ray_run: RayRun, local_run: Run) -> None:
    assert ray_run.returncode == 0, ray_run.stderr
    assert set(ray_run.records) == set(local_run.records) | {"crash", "hang"}
    for card_id, record in local_run.records.items():
        assert ray_run.records[card_id] == record, card_id


def test_on_ray_a_card_that_kills_or_outlasts_its_worker_is_an_error_record(ray_run: RayRun) -> None:
    crash, hang = ray_run.records["crash"], ray_run.records["hang"]
    assert crash["error_code"] == hang["error_code"] == "AIS.0105"
    assert "The recognition worker stopped while reading this card (killed by SIGKILL" in crash["error_msg"]
    assert "The card was not read within 20 s" in hang["error_msg"]
    assert not pid_alive(ray_run.killed)


def test_ray_progress_and_summary(ray_run: RayRun, local_run: Run) -> None:
    total = len(local_run.records) + 2
    assert f"batch: {total}/{total} cards (100.0 %)" in ray_run.stderr
    assert summary_row("errors", "4   AIS.0102 2, AIS.0105 2").search(ray_run.stderr)
    assert summary_row("RUN check digit failed", str(local_run.summary.run_check_failed)).search(ray_run.stderr)
    assert "ray engine" in ray_run.stderr and "Traceback" not in ray_run.stderr

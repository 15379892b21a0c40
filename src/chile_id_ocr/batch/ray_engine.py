"""The Ray engine: the same cards and records as the local engine, on a Ray cluster through Ray Data.

The driver streams the cards into the object store as small Arrow blocks (only their references stay in its
memory); ``map_batches`` runs them through a fixed pool of ``CardReader`` actors, each of which starts one
recognition worker (``batch.worker``) that loads the models once; the records stream back to the driver, which
writes them. A card that kills or outlasts its worker is that card's AIS.0105 record, as in the local engine:
the actor survives it and starts a fresh worker. Needs ``pip install 'chile-id-ocr[ray]'`` (on every node).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Generator, Iterable, Iterator
from typing import Any

from chile_id_ocr.batch.records import Item, Outcome
from chile_id_ocr.batch.worker import WorkerProcess, WorkerSettings

RAY_HINT = "pip install 'chile-id-ocr[ray]'"
MAX_ROWS_PER_BLOCK = 256
BLOCKS_PER_ACTOR = 32


class RayUnavailableError(RuntimeError):
    """Ray is not installed, the cluster cannot be reached, or the job failed there (the records so far stay)."""


def rows_per_block(total: int, actors: int) -> int:
    """Small blocks keep every actor busy to the end; large ones keep a big job's block count down.

    >>> rows_per_block(500, 2), rows_per_block(10_000_000, 1600), rows_per_block(3, 2)
    (7, 195, 1)
    """
    return max(1, min(MAX_ROWS_PER_BLOCK, total // (actors * BLOCKS_PER_ACTOR)))


class CardReader:
    """A Ray Data actor: one recognition worker for its whole life, one card at a time."""

    def __init__(self, details: bool, timeout: float, crops: bool = False) -> None:
        self.worker = WorkerProcess(WorkerSettings(details, timeout, crops)).start()
        self.worker.wait_ready()

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        outcomes = [self.worker.run(Item(row["id"], row["front"], row["back"])).to_json() for row in batch.to_pylist()]
        return pa.table({"outcome": pa.array(outcomes, pa.string())})

    def __del__(self) -> None:
        self.worker.close()


def _import_ray(local: bool) -> Any:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # nothing leaves the machine
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")  # Ray's own notices would break the progress lines
    if local:  # a cluster of this job alone listens on loopback only (read when Ray is imported)
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise RayUnavailableError(f"--engine ray needs Ray: {RAY_HINT}") from exc
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
    return ray


def _connect(ray: Any, address: str | None, workers: int | None) -> bool:
    """Start a local cluster (``workers`` CPUs) or join ``address``; True when this call did either."""
    if ray.is_initialized():
        return False
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
    if address is None:
        options["num_cpus"] = workers
    try:
        ray.init(address=address, **options)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise RayUnavailableError(f"cannot reach the Ray cluster at {address}: {exc}") from exc
    return True


def _blocks(items: Iterable[Item], rows: int) -> Iterator[Any]:
    import pyarrow as pa

    schema = pa.schema([("id", pa.string()), ("front", pa.string()), ("back", pa.string())])
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == rows:
            yield pa.Table.from_pylist([vars(i) for i in chunk], schema)
            chunk = []
    if chunk:
        yield pa.Table.from_pylist([vars(i) for i in chunk], schema)


def run_ray(
    items: Iterable[Item], total: int, settings: WorkerSettings, workers: int | None, address: str | None
) -> Generator[Outcome, None, None]:
    """Outcomes of ``items`` read on Ray (``workers`` actors; default one per CPU of the cluster)."""
    ray = _import_ray(local=address is None)
    started = _connect(ray, address, workers)
    try:
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        actors = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        refs = [ray.put(block) for block in _blocks(items, rows_per_block(total, actors))]
        if not refs:
            return
        dataset = ray.data.from_arrow_refs(refs).map_batches(
            CardReader,
            fn_constructor_kwargs={"details": settings.details, "timeout": settings.timeout, "crops": settings.crops},
            batch_size=None,
            batch_format="pyarrow",
            compute=ray.data.ActorPoolStrategy(size=actors, max_tasks_in_flight_per_actor=1),
            num_cpus=1,
        )
        try:
            for batch in dataset.iter_batches(batch_size=None, batch_format="pyarrow"):
                for text in batch.column("outcome").to_pylist():
                    yield Outcome.from_json(text)
        except ray.exceptions.RayError as exc:  # e.g. actors that cannot start on the nodes (not installed there)
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise RayUnavailableError(f"the job failed on Ray: {reason}") from exc
    finally:
        if started:
            ray.shutdown()

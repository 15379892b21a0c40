"""The Ray engine: the same cards and records as the local engine, on a Ray cluster through Ray Data.

The driver joins the cluster within the connect timeout (``batch.cluster``), streams the cards into the object
store as small Arrow blocks (only their references stay in its memory); ``map_batches`` runs them through a
fixed pool of ``CardReader`` actors, each of which starts one recognition worker (``batch.worker``) that loads
the models once; the records stream back to the driver, which writes them. Each comes back with the id of
the node that read it (kept by the engine for the summary, never written). A card that kills or outlasts its
worker is that card's AIS.0105 record, as in the local engine: the actor survives it and starts a fresh
worker. A node lost takes its actors' cards in flight with it: Ray Data reads them again elsewhere, and the
progress and the summary say so. Needs ``pip install 'chile-id-ocr[ray]'`` (the same version on every node).
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any

from chile_id_ocr.batch.cluster import (
    RayUnavailableError,
    Watch,
    default_connect_timeout,
    join,
    keep_loopback,
    start_local,
)
from chile_id_ocr.batch.records import Item, Outcome
from chile_id_ocr.batch.worker import WorkerProcess, WorkerSettings

__all__ = ["RayUnavailableError", "run_ray"]

RAY_HINT = "pip install 'chile-id-ocr[ray]'"
MAX_ROWS_PER_BLOCK = 256
BLOCKS_PER_ACTOR = 32


def rows_per_block(total: int, actors: int) -> int:
    """Small blocks keep every actor busy to the end; large ones keep a big job's block count down.

    >>> rows_per_block(500, 2), rows_per_block(10_000_000, 1600), rows_per_block(3, 2)
    (7, 195, 1)
    """
    return max(1, min(MAX_ROWS_PER_BLOCK, total // (actors * BLOCKS_PER_ACTOR)))


class CardReader:
    """A Ray Data actor: one recognition worker for its whole life, one card at a time.

    Relative paths are the driver's: the actor works in the driver's folder where this node has it (the same
    shared file system), as the local engine's workers do.
    """

    def __init__(self, details: bool, timeout: float, crops: bool = False, cwd: str = "", tally: Any = None) -> None:
        import ray

        if cwd and os.path.isdir(cwd):
            os.chdir(cwd)
        self.node = ray.get_runtime_context().get_node_id()
        self.tally = tally
        self.worker = WorkerProcess(WorkerSettings(details, timeout, crops)).start()
        self.worker.wait_ready()

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        rows = batch.to_pylist()
        ids = [row["id"] for row in rows]
        if self.tally is not None:
            self.tally.started.remote(self.node, ids)
        outcomes = [self.worker.run(Item(row["id"], row["front"], row["back"])).to_json() for row in rows]
        if self.tally is not None:
            self.tally.finished.remote(self.node, ids)
        return pa.table({"outcome": pa.array(outcomes, pa.string()), "node": pa.array([self.node] * len(rows))})

    def __del__(self) -> None:
        self.worker.close()


def _import_ray(address: str | None) -> Any:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # nothing leaves the machine
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")  # Ray's native notices would break the progress lines
    keep_loopback(address)
    if address is None and not any(key.startswith("RAY_AUTH_") for key in os.environ):
        # a Ray of this job alone: token authentication with a token of its own, none written to ~/.ray
        os.environ.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32))
    try:
        import ray
        import ray.data
        import ray.util.scheduling_strategies
    except ImportError as exc:
        raise RayUnavailableError(f"--engine ray needs Ray: {RAY_HINT}") from exc
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
    _drop_cluster_events()
    return ray


def _drop_cluster_events() -> None:
    """Ray's driver prints the cluster's error events (a task retried, a node marked dead) on stdout, where OUT
    may be (``--out -``). The job says what matters itself (``batch.cluster.Watch``: a node lost, its cards read
    again), and Ray Data raises what stops the job; Ray names no setting for this, hence its printer replaced."""
    import ray._private.worker as driver

    driver.print_to_stdstream = lambda *_args, **_kwargs: None


def _connect(ray: Any, address: str | None, workers: int | None, timeout: float) -> bool:
    """Start a local cluster (``workers`` CPUs) or join ``address``; True when this call did either."""
    if ray.is_initialized():
        return False
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
    if address is None:
        start_local(ray, {**options, "num_cpus": workers})
        return True
    # Ray retries its GCS about once a second: a refused token is said within a third of the limit
    os.environ.setdefault("RAY_gcs_server_port_wait_time_s", str(max(1, int(timeout / 3))))
    join(ray, address, options, timeout)
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


def _quiet_data(ray: Any) -> None:
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False


def run_ray(
    items: Iterable[Item],
    total: int,
    settings: WorkerSettings,
    workers: int | None,
    address: str | None,
    connect_timeout: float | None = None,
    note: Callable[[str], None] | None = None,
    rows: list[tuple[str, str]] | None = None,
) -> Generator[Outcome, None, None]:
    """Outcomes of ``items`` read on Ray (``workers`` actors; default one per CPU of the cluster).

    ``note`` gets a line when the cluster changes (a node lost or joined); ``rows`` gets the summary's lines
    about the cluster (nodes and CPUs at the start, nodes lost and joined, cards read per node).
    """
    ray = _import_ray(address)
    started = _connect(ray, address, workers, connect_timeout or default_connect_timeout())
    try:
        _quiet_data(ray)
        watch = Watch(ray, note or (lambda _line: None))
        watch.begin()
        try:
            yield from _read(ray, watch, items, total, settings, workers)
        finally:
            if rows is not None:
                rows.extend(watch.rows())
    finally:
        if started:
            ray.shutdown()


def _read(
    ray: Any, watch: Watch, items: Iterable[Item], total: int, settings: WorkerSettings, workers: int | None
) -> Iterator[Outcome]:
    actors = workers or max(1, sum(node.cpus for node in watch.start.values()))
    watch.note(f"ray: {watch.describe()}; {actors} reader" + ("s" if actors > 1 else ""))
    refs = [ray.put(block) for block in _blocks(items, rows_per_block(total, actors))]
    if not refs:
        return
    dataset = ray.data.from_arrow_refs(refs).map_batches(
        CardReader,
        fn_constructor_kwargs={
            "details": settings.details, "timeout": settings.timeout, "crops": settings.crops,
            "cwd": os.getcwd(), "tally": watch.tally,
        },
        batch_size=None,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=actors, max_tasks_in_flight_per_actor=1),
        num_cpus=1,
    )  # fmt: skip
    try:  # no prefetching: each record reaches OUT as soon as its card is read
        for batch in dataset.iter_batches(batch_size=None, batch_format="pyarrow", prefetch_batches=0):
            outcomes, nodes = batch.column("outcome").to_pylist(), batch.column("node").to_pylist()
            for text, node in zip(outcomes, nodes, strict=True):
                watch.read(node)
                yield Outcome.from_json(text)
        watch.poll()
    except ray.exceptions.RayError as exc:  # e.g. actors that cannot start on the nodes (not installed there)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RayUnavailableError(f"the job failed on Ray: {reason}") from exc

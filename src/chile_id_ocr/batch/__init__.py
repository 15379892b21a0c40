"""Many cards at once: ``chile-id-ocr batch``.

The data flows through one module each: ``sources`` (files, folders, globs, manifests; streamed) ->
``job`` (skip what OUT holds, count, run) -> an engine, ``local`` (a pool of ``worker`` processes) or
``ray_engine`` (Ray Data actors, each with one worker) -> ``sinks`` (JSON lines, CSV, Parquet), with
``progress`` and ``summary`` on stderr. Every card is read by ``records.recognize_item``, which calls the
public ``chile_id_ocr.recognize``; the engines know nothing about images.
"""

from chile_id_ocr.batch.job import Job, run_job
from chile_id_ocr.batch.records import Item, Outcome

__all__ = ["Item", "Job", "Outcome", "run_job"]

"""A memory ceiling and a CPU backstop for each recognition worker, set by the worker on itself.

The ceiling is ``RLIMIT_DATA``: the process's heap and private writable mappings, which is what its allocations
take. ``RLIMIT_AS`` would count address space that onnxruntime, OpenCV and the thread stacks reserve without
using (a worker maps about 1 GB to use 300 MB), so a ceiling on it must be set far above what is used. Past the
ceiling an allocation fails inside the job: NumPy raises ``MemoryError``, OpenCV ``cv2.error`` with its
"Insufficient memory" code, a library loaded then ``ImportError``; the job answers AIS.0105 and the worker serves
on (``preload`` maps every library and model a job uses before the ceiling is set, so that no later job has to).

The CPU backstop is ``RLIMIT_CPU``, raised before each job to what the worker has used plus three times the job's
budget: the budget itself is a Python signal (``ITIMER_PROF``), which is handled only when the interpreter runs
again, so a C call that never returns (no decoder can now start one: see ``vision/decode.py``'s checks) would
hold the worker for ever; the kernel then kills the worker and the pool replaces it (503, retryable).
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import math
import resource

import numpy as np

from chile_id_ocr.errors import InternalRecognitionError, RecognitionError

MB = 1 << 20
_NO_MEMORY = -4  # cv2.Error.StsNoMem
_M_MMAP_THRESHOLD = -3  # mallopt's parameter (malloc.h)
ceiling_mb: int | None = None


def preload() -> None:
    """Load what recognition would otherwise load on first use: the pipeline's modules, every model's session,
    Pillow's format plugins, the QR reader's library and NumPy's lazily imported parts."""
    importlib.import_module("chile_id_ocr.pipeline")
    for name in ("numpy.random", "numpy.fft", "zxingcpp"):
        with contextlib.suppress(ImportError):  # zxingcpp is optional: locate/qr.py does without it
            importlib.import_module(name)
    from PIL import Image

    from chile_id_ocr.models import card_mask, mrz_reader
    from chile_id_ocr.models.ocr import get_engine

    Image.init()
    get_engine()
    card_mask.card_probability(np.zeros((64, 64, 3), np.uint8))
    mrz_reader.get_mrz_reader()


def data_mb() -> float:
    """The worker's data now (``VmData``), MB; 0 where /proc is not there."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def set_ceiling(megabytes: int) -> None:
    """Cap the worker's data at ``megabytes``; refuse a ceiling below what it holds already (its models)."""
    global ceiling_mb
    held = data_mb()
    if held >= megabytes:
        raise RuntimeError(
            f"worker_memory_mb={megabytes} is below what a worker holds once its models are loaded ({held:.0f} MB)"
        )
    _fixed_mmap_threshold()
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = megabytes * MB if hard == resource.RLIM_INFINITY else min(hard, megabytes * MB)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    ceiling_mb = megabytes


def _fixed_mmap_threshold() -> None:
    """Have glibc map every allocation of 256 KiB or more on its own, and unmap it when freed. By default the
    threshold rises to the largest block freed so far (up to 32 MB), after which such blocks come from the heap
    and stay mapped once freed: the data the ceiling counts would grow with each large image read."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.mallopt(_M_MMAP_THRESHOLD, 256 * 1024)


def cpu_backstop(budget_seconds: float, grace: float = 5.0) -> None:
    """Let the kernel stop this worker once it has used three times ``budget_seconds`` plus ``grace`` more CPU."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(usage.ru_utime + usage.ru_stime + 3 * budget_seconds + grace)
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def out_of_memory(exc: BaseException | None) -> bool:
    """Whether ``exc``, or an exception it was raised from, is an allocation that failed.

    >>> out_of_memory(RuntimeError("x")), out_of_memory(MemoryError()), out_of_memory(RuntimeError("std::bad_alloc"))
    (False, True, True)
    """
    seen = 0
    while exc is not None and seen < 16:
        if isinstance(exc, MemoryError) or getattr(exc, "code", None) == _NO_MEMORY:
            return True
        text = str(exc)
        if isinstance(exc, ImportError) and "failed to map" in text:
            return True
        if "bad_alloc" in text or "Failed to allocate" in text:  # onnxruntime's and OpenCV's words for it
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def explain(error: RecognitionError, cause: BaseException | None = None) -> RecognitionError:
    """``error``, or AIS.0105 naming the ceiling when the job failed for want of memory."""
    if not out_of_memory(cause or error):
        return error
    if ceiling_mb is None:
        return InternalRecognitionError("the recognition ran out of memory")
    return InternalRecognitionError(f"the recognition needs more memory than the worker's ceiling of {ceiling_mb} MB")

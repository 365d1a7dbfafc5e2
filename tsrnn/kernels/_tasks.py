"""Run a kernel's independent tasks (batch chunks, gradient groups) in threads, without ``prange``.

The recurrent kernels split a batch into fixed chunks of rows (forward) and fixed groups of
chunks (backward); a compiled serial function runs a range of them (the kernels release the
GIL). :func:`run_tasks` hands contiguous ranges to a pool of threads, one range per thread.
Which thread runs a chunk never changes what it computes, so results do not depend on the
thread count.

Why not numba's ``prange``: its parallel lowering added about 8.6 s to the 15.5 s cold
compile of a default LSTM fit (measured 2026-12-03 on this project's 2-core machine,
``TSRNN_PARALLEL=0`` against the ``prange`` drivers), for loops of a handful of tasks; the
closed-loop forecast kernels (:mod:`tsrnn.kernels.recursive`) had already dropped it for the
same reason. A thread pool's dispatch costs tens of microseconds per call, against the
milliseconds of a layer's forward or backward pass.

The number of threads follows numba's (``NUMBA_NUM_THREADS``, ``numba.set_num_threads``);
``TSRNN_PARALLEL=0`` runs everything in the calling thread. BLAS is pinned to one thread
meanwhile (:func:`tsrnn._threads.single_blas_thread`).
"""

from __future__ import annotations

import itertools
import threading

from .._config import PARALLEL
from .._threads import single_blas_thread

__all__ = ["run_tasks"]

_pool = None
_pool_lock = threading.Lock()


def _get_pool():
    global _pool
    with _pool_lock:
        if _pool is None:
            import numba
            from concurrent.futures import ThreadPoolExecutor

            _pool = ThreadPoolExecutor(max_workers=numba.config.NUMBA_NUM_THREADS, thread_name_prefix="tsrnn")
    return _pool


def run_tasks(call, n):
    """Run ``call(t0, t1)`` over ranges covering tasks ``0..n-1``, one range per thread.

    Parameters
    ----------
    call : callable
        ``call(t0, t1)`` runs tasks ``t0 <= t < t1`` in order (a compiled, GIL-releasing kernel).
    n : int
        Number of tasks.
    """
    import numba

    n = int(n)
    workers = min(n, numba.get_num_threads()) if PARALLEL else 1
    with single_blas_thread():
        if workers <= 1:
            if n > 0:
                call(0, n)
            return
        bounds = [round(i * n / workers) for i in range(workers + 1)]
        jobs = [_get_pool().submit(call, t0, t1) for t0, t1 in itertools.pairwise(bounds)]
        for job in jobs:
            job.result()

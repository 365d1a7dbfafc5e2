"""Thread policy: one BLAS thread while tsrnn's numba kernels run.

OpenBLAS threads and numba's threads oversubscribe small machines: a per-time-step small
GEMM inside a ``prange`` loop was measured 20-50x slower when OpenBLAS kept its own pool
spinning. The kernels therefore run with BLAS pinned to a single thread; parallelism comes
from numba's batch chunks alone. The limit is restored on exit, so a user's NumPy keeps its
threads outside tsrnn calls.
"""

from __future__ import annotations

import contextlib
import threading

__all__ = ["single_blas_thread"]

_lock = threading.Lock()
_controller = None
_depth = 0


def _get_controller():
    global _controller
    if _controller is None:
        # numba's np.dot calls scipy's BLAS: load it first so the controller sees it.
        import scipy.linalg.cython_blas  # noqa: F401
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller


@contextlib.contextmanager
def single_blas_thread():
    """Context manager pinning every loaded BLAS library to one thread.

    Re-entrant and cheap when nested: only the outermost level talks to threadpoolctl.
    """
    global _depth
    with _lock:
        outer = _depth == 0
        _depth += 1
    limiter = _get_controller().limit(limits=1, user_api="blas") if outer else None
    try:
        yield
    finally:
        if limiter is not None:
            limiter.restore_original_limits()
        with _lock:
            _depth -= 1

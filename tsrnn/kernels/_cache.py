"""Where numba caches tsrnn's compiled kernels: beside the sources in a checkout, in the user's cache when installed.

Numba writes a kernel's cache into ``__pycache__`` beside its source file whenever that
directory is writable. For a package installed into site-packages that leaves files pip does
not know of: ``pip uninstall`` (or the uninstall step of ``pip install -e .`` over an
installed copy) removes the package's own files but not the cache, and the ``tsrnn/kernels``
folder left behind, holding only ``__pycache__``, then shadows an editable install as a
namespace package (``No module named 'tsrnn.kernels.optim'``). So for an installed copy (no
``pyproject.toml`` beside the package: not a source checkout) tsrnn's kernels cache into
numba's user-wide cache directory instead, which numba otherwise uses only for read-only
installs. ``NUMBA_CACHE_DIR`` still wins, and a checkout (editable or not) keeps numba's
default. Other libraries' numba functions are not affected.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["install_cache_locator", "is_installed_copy"]

PACKAGE = Path(__file__).resolve().parent.parent


def is_installed_copy(package_dir=PACKAGE) -> bool:
    """True when ``package_dir`` is an installed copy of tsrnn rather than a source checkout."""
    return not (Path(package_dir).parent / "pyproject.toml").exists()


def install_cache_locator(package_dir=PACKAGE) -> bool:
    """Route the on-disk cache of kernels defined under an installed ``package_dir`` to the user-wide cache.

    Returns True when the locator is in place (installed copy, numba's caching API as
    expected), False when numba's default applies.
    """
    if not is_installed_copy(package_dir):
        return False
    try:
        from numba.core import caching
    except ImportError:  # pragma: no cover - a numba without the caching module
        return False
    impl = getattr(caching, "CacheImpl", None)
    base = getattr(caching, "UserWideCacheLocator", None)
    classes = getattr(impl, "_locator_classes", None)
    if base is None or not isinstance(classes, list):
        return False
    root = str(Path(package_dir).resolve())

    class InstalledTsrnnCacheLocator(base):
        """numba's user-wide cache locator, for the files of an installed tsrnn only."""

        @classmethod
        def from_function(cls, py_func, py_file):
            if not str(Path(py_file).resolve()).startswith(root):
                return None
            return super().from_function(py_func, py_file)

    if not any(getattr(c, "__name__", "") == InstalledTsrnnCacheLocator.__name__ for c in classes):
        # After the user-provided locator (NUMBA_CACHE_DIR), before the in-tree one.
        user = getattr(caching, "UserProvidedCacheLocator", None)
        classes.insert(classes.index(user) + 1 if user in classes else 0, InstalledTsrnnCacheLocator)
    return True

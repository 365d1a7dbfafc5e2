"""A read-only package directory must not break on-disk caching of the kernels.

Numba writes a kernel's cache beside its source file; when that directory cannot be written
(a system-wide or read-only install) it falls back to a user-wide cache directory. tsrnn
must not defeat that fallback (e.g. by pinning a cache path of its own), so that a second
process still loads the compiled kernel instead of compiling it again.

The tests run as root on CI, where file permissions do not stop writes, so the read-only
directory is simulated where numba itself probes it: the in-tree locator's
``ensure_cache_path`` raises ``OSError(EROFS)`` for the package directory, exactly what a
read-only mount makes it raise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import tsrnn

PKG = Path(tsrnn.__file__).resolve().parent

WORKER = r"""
import errno, json, os, sys
import numba.core.caching as caching

PKG = sys.argv[1]
_orig = caching.InTreeCacheLocator.ensure_cache_path

def read_only(self):
    if os.path.abspath(self.get_cache_path()).startswith(PKG):
        raise OSError(errno.EROFS, "Read-only file system", self.get_cache_path())
    return _orig(self)

caching.InTreeCacheLocator.ensure_cache_path = read_only

import numpy as np
from tsrnn.kernels.optim import scale_

g = np.ones(7, dtype=np.float32)
scale_(g, np.float32(0.5))
sig = scale_.signatures[0]
print(json.dumps({
    "value": float(g[0]),
    "hits": int(sum(scale_.stats.cache_hits.values())),
    "misses": int(sum(scale_.stats.cache_misses.values())),
    "cache_path": scale_._cache._cache_path,
}))
"""


def _run(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(XDG_CACHE_HOME=str(tmp_path / "xdg"), HOME=str(tmp_path / "home"), TSRNN_CACHE="1")
    out = subprocess.run([sys.executable, "-c", WORKER, str(PKG)], env=env, capture_output=True, text=True,
                         timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_read_only_package_dir_falls_back_to_user_cache(tmp_path):
    first = _run(tmp_path)
    assert first["value"] == 0.5
    # The cache went to the user-wide directory, not beside the (read-only) sources.
    assert first["cache_path"].startswith(str(tmp_path / "xdg")), first["cache_path"]
    assert not first["cache_path"].startswith(str(PKG))
    written = list(Path(first["cache_path"]).glob("*scale_*.nbi"))
    assert written, f"no index file for scale_ under {first['cache_path']}"
    # A second process loads the kernel from there instead of compiling it again.
    second = _run(tmp_path)
    assert second["value"] == 0.5
    assert second["hits"] >= 1 and second["misses"] == 0, second


def test_numba_cache_dir_is_honoured(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"), TSRNN_CACHE="1")
    code = ("import numpy as np\nfrom tsrnn.kernels.optim import scale_\n"
            "g = np.ones(3)\nscale_(g, 2.0)\nprint(scale_._cache._cache_path)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    path = out.stdout.strip().splitlines()[-1]
    assert path.startswith(str(tmp_path / "cache")), path
    assert list(Path(path).glob("*scale_*.nbi")) and list(Path(path).glob("*scale_*.nbc"))


INSTALLED_WORKER = r"""
import json, sys
import numpy as np
import tsrnn
from tsrnn.kernels.optim import scale_
from numba.core import caching

g = np.ones(5, dtype=np.float32)
scale_(g, np.float32(0.25))
print(json.dumps({
    "tsrnn": tsrnn.__file__,
    "value": float(g[0]),
    "hits": int(sum(scale_.stats.cache_hits.values())),
    "misses": int(sum(scale_.stats.cache_misses.values())),
    "cache_path": scale_._cache._cache_path,
    "locators": [c.__name__ for c in caching.CacheImpl._locator_classes],
}))
"""


def test_an_installed_copy_caches_outside_its_package_dir(tmp_path):
    # pip does not remove files it did not install: kernels cached beside an installed copy's
    # sources survive `pip uninstall`, and the leftover tsrnn/kernels/__pycache__ then shadows an
    # editable install as a namespace package. An installed copy (no pyproject.toml beside the
    # package) must cache in the user-wide directory instead, and load from there next time.
    import shutil

    site = tmp_path / "site-packages"
    shutil.copytree(PKG, site / "tsrnn", ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(XDG_CACHE_HOME=str(tmp_path / "xdg"), HOME=str(tmp_path / "home"), TSRNN_CACHE="1",
               PYTHONPATH=str(site))  # fmt: skip

    def run():
        out = subprocess.run([sys.executable, "-c", INSTALLED_WORKER], env=env, capture_output=True, text=True,
                             timeout=300, cwd=tmp_path)  # fmt: skip
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout.strip().splitlines()[-1])

    first = run()
    assert first["tsrnn"].startswith(str(site)) and first["value"] == 0.25
    assert "InstalledTsrnnCacheLocator" in first["locators"]
    assert first["cache_path"].startswith(str(tmp_path / "xdg")), first["cache_path"]
    assert not list((site / "tsrnn").rglob("*.nbi")), "kernels were cached inside the installed package"
    second = run()
    assert second["hits"] >= 1 and second["misses"] == 0, second


def test_a_checkout_keeps_numbas_default_cache_location():
    from tsrnn.kernels._cache import install_cache_locator, is_installed_copy

    assert not is_installed_copy()  # the tests run from a checkout: pyproject.toml beside tsrnn/
    assert install_cache_locator() is False

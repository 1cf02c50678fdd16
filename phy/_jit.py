"""JIT options in one place.

Every kernel module does ``from phy._jit import njit`` and decorates with ``@njit``. Kernels
are compiled lazily on first call and cached on disk (``cache=True``), so importing a kernel
module compiles nothing. ``fastmath`` stays off: it breaks NaN/Inf handling.
"""

from __future__ import annotations

import numba

JIT_OPTIONS = {"cache": True, "nogil": True}


def njit(func=None, **overrides):
    """``numba.njit`` with the project's options (usable bare or with keyword overrides)."""
    options = {**JIT_OPTIONS, **overrides}
    if func is None:
        return lambda f: numba.njit(**options)(f)
    return numba.njit(**options)(func)

"""Building many values at once."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_garbage_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while many acyclic values are built.

    Reading every site of a large file allocates hundreds of thousands of objects, and each
    burst of allocations starts a collection that walks the objects alive, so the collector's
    work grows faster than the number of sites.  Those values hold no reference cycles: there is
    nothing for it to find.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

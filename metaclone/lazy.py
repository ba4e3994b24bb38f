"""A package's names imported on first use (PEP 562), so that a command imports only what it uses.

A package lists where each name lives (``homes``: name -> module); :func:`lazy_attributes` gives
the package's ``__getattr__`` and ``__dir__``.  A name whose home is the package's own submodule
of that name (``metaclone.certs`` for ``certs``) is that submodule.  A value is kept in the
package once imported, so each name is looked up once.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(
    package: str, homes: Mapping[str, str], *, fallback: str | None = None
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: its names resolved from ``homes``, and
    any other from ``fallback`` (a module whose every public name the package re-exports)."""
    namespace = sys.modules[package].__dict__

    def missing(name: str) -> AttributeError:
        return AttributeError(f"module {package!r} has no attribute {name!r}")

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook's name
        home = homes.get(name, fallback)
        if home is None or name.startswith("__"):
            # Tools probe modules for special names: no reason to import anything for them.
            raise missing(name)
        module = importlib.import_module(home)
        if home == f"{package}.{name}":
            value: Any = module
        else:
            try:
                value = getattr(module, name)
            except AttributeError:
                raise missing(name) from None
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807 - the module hook's name
        return sorted(set(namespace) | set(namespace.get("__all__", ())))

    return __getattr__, __dir__

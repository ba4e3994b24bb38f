"""What a command does not use, it does not pay for at start-up: names and patterns made on
first use.

A package's names are imported on first use (PEP 562): a package lists where each name lives
(``homes``: name -> module); :func:`lazy_attributes` gives the package's ``__getattr__`` and
``__dir__``.  A name whose home is the package's own submodule of that name (``metaclone.certs``
for ``certs``) is that submodule.  A value is kept in the package once imported, so each name is
looked up once.

A function that only some commands call back is imported on its first call
(:func:`lazy_function`).  A large regular expression that only some commands use is compiled
on first use (:func:`lazy_pattern`): compiling the nested element patterns of the scanners
takes longer than everything else a small command does.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any, cast


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


def lazy_function(module: str, name: str) -> Callable[..., Any]:
    """The function ``name`` of ``module``, which is imported when it is first called rather
    than now (a callback that only some commands call)."""
    found: list[Callable[..., Any]] = []

    def call(*args: Any, **kwargs: Any) -> Any:
        if not found:
            found.append(getattr(importlib.import_module(module), name))
        return found[0](*args, **kwargs)

    return call


#: What callers use of a compiled pattern, bound once it is compiled.
_PATTERN_METHODS = ("match", "fullmatch", "search", "finditer", "findall", "sub", "split")


class _LazyPattern:
    """Stands for the pattern ``compile_`` returns, and compiles it when first used.  The
    methods of the compiled pattern then become its own attributes, so that a call costs what a
    call of the compiled pattern costs."""

    def __init__(self, compile_: Callable[[], re.Pattern[str]]) -> None:
        self._compile = compile_

    def __getattr__(self, name: str) -> Any:
        # Only asked for what the instance does not have yet: the first use, and the pattern's
        # other attributes (groupindex, pattern, flags).
        compiled: re.Pattern[str] | None = self.__dict__.get("_compiled")
        if compiled is None:
            compiled = self._compile()
            self._compiled = compiled
            for method in _PATTERN_METHODS:
                setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        compiled = self.__dict__.get("_compiled")
        return repr(compiled) if compiled is not None else "<pattern compiled on first use>"


def lazy_pattern(compile_: Callable[[], re.Pattern[str]]) -> re.Pattern[str]:
    """The pattern ``compile_`` returns, compiled when it is first used rather than now.

    It answers every use of a compiled pattern (its methods and attributes), though it is not
    an instance of :class:`re.Pattern`.
    """
    return cast("re.Pattern[str]", _LazyPattern(compile_))

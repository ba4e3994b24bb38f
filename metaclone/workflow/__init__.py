"""Workflows written against the common document API: the placeholder flow (its names are
reachable here, so that ``metaclone.workflow.begin`` and the like keep working), the certificate
audit, and the review of changes.

The placeholder flow is imported on first use of one of its names (PEP 562), so that the
review (``metaclone check``) does not load it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from metaclone.workflow.placeholder import (
        PLACEHOLDER_SUFFIX,
        WorkflowResult,
        begin,
        find_placeholder,
        finish,
        placeholder_mismatch,
        tls_bindings,
    )

__all__ = [
    "PLACEHOLDER_SUFFIX",
    "WorkflowResult",
    "begin",
    "find_placeholder",
    "finish",
    "placeholder_mismatch",
    "tls_bindings",
]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("metaclone.workflow.placeholder"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

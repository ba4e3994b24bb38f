"""Workflows written against the common document API: the placeholder flow (its names are
reachable here, so that ``metaclone.workflow.begin`` and the like keep working), the certificate
audit, and the review of changes.

The placeholder flow is imported on first use of one of its names (PEP 562), so that the
review (``metaclone check``) does not load it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from metaclone.lazy import lazy_attributes

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


__getattr__, __dir__ = lazy_attributes(
    __name__, dict.fromkeys(__all__, "metaclone.workflow.placeholder")
)

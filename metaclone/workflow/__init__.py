"""Workflows written against the common document API: the placeholder flow (re-exported
here, so that ``metaclone.workflow.begin`` and the like keep working), the certificate
audit, and the review of changes."""

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

"""What a check finds, or an edit has to tell: loaded by the commands that find something."""

from __future__ import annotations

import attrs

from metaclone.model.severity import Severity

__all__ = ["Finding"]


@attrs.frozen
class Finding:
    """Something worth telling the user about a document: a problem, or a note on an edit."""

    severity: Severity
    code: str
    message: str
    site_id: int | None = None
    line: int | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "site_id": self.site_id,
            "line": self.line,
        }

"""JSON Schemas of the JSON metaclone prints: the contract users' scripts can rely on.

Each ``--json`` output (and a ``--plan PLAN.json`` file) follows the schema named here; fields
may be added in later versions, none are removed.  The schemas are plain JSON files in this
package (``metaclone/schemas/NAME.schema.json``), written for JSON Schema draft 2020-12.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

#: Each schema's name, and the output it describes.
SCHEMAS = {
    "sites": "metaclone sites --json",
    "cert-show": "metaclone cert show --json",
    "cert-audit": "metaclone cert audit --json",
    "check": "metaclone check --json",
    "check-files": "metaclone check --json on more than one file, or a folder",
    "diff": "metaclone diff OLD NEW --json",
    "diff-files": "metaclone diff BASE OTHER OTHER... --json",
    "sarif": "metaclone check|diff --format sarif (the parts of SARIF 2.1.0 it writes)",
    "plan": "an HTTP.sys plan written as --plan PLAN.json",
}


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema called ``name`` (a key of :data:`SCHEMAS`), as a dictionary."""
    if name not in SCHEMAS:
        raise KeyError(f"no schema named {name!r}; the schemas are {', '.join(SCHEMAS)}")
    text = resources.files(__name__).joinpath(f"{name}.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded

"""The placeholder workflow from Python: begin, then (days later) finish.

    python examples/placeholder.py fixtures/iis6/MetaBase.xml Shop NEW_THUMBPRINT

``begin`` clones the site as a started placeholder that keeps serving with the last working
certificate and marks the original stopped; ``finish`` gives the original its new certificate,
deletes the placeholder and marks the original started again.  Both print the next steps on
the server.  Here both run one after the other on copies of the file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import metaclone
from metaclone import workflow


def show(result: workflow.WorkflowResult) -> None:
    for change in result.changes:
        print(f"  changed: {change}")
    for warning in result.warnings:
        print(f"  warning: {warning}")
    for note in result.notes:
        print(f"  note: {note}")
    for number, step in enumerate(result.next_steps, 1):
        print(f"  step {number}: {step}")
    if result.plan:
        print(result.plan.netsh())


def main(path: str, site: str, new_thumbprint: str) -> tuple[Path, Path]:
    doc = metaclone.load(path)
    print("begin:")
    begun = workflow.begin(doc, site)
    show(begun)
    began_at = Path(path).with_name(Path(path).name + ".begin")
    doc.save(began_at)

    assert begun.placeholder is not None
    later = metaclone.load(began_at)
    certificate = metaclone.CertificateRef(metaclone.normalize_thumbprint(new_thumbprint))
    print("finish:")
    finished = workflow.finish(later, site, begun.placeholder.id, certificate, delete=True)
    show(finished)
    finished_at = Path(path).with_name(Path(path).name + ".finish")
    later.save(finished_at)
    return began_at, finished_at


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(f"usage: python {sys.argv[0]} FILE SITE NEW_THUMBPRINT", file=sys.stderr)
        raise SystemExit(2)
    try:
        main(sys.argv[1], sys.argv[2], sys.argv[3])
    except metaclone.MetacloneError as error:
        raise SystemExit(f"refused: {error}") from None

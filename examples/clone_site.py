"""Clone a site under a new id and save the result next to the input.

    python examples/clone_site.py fixtures/iis7/applicationHost.config Shop "Shop (staging)"

Only the bytes of the new site (and what refers to it) are added: review the change with
``diff`` before importing the file on the server.
"""

from __future__ import annotations

import sys
from pathlib import Path

import metaclone


def main(path: str, site: str, new_name: str) -> Path:
    doc = metaclone.load(path)
    try:
        clone = doc.clone_site(site, new_name=new_name)
    except metaclone.MetacloneError as error:
        raise SystemExit(f"cannot clone: {error}") from None
    source = doc.site(site)
    print(f"site {source.id} {source.name!r} cloned as {clone.id} {clone.name!r} (stopped)")
    for note in doc.notes:
        print(f"  {note.severity.value}: {note.message}")
    target = Path(path).with_name(Path(path).name + ".new")
    doc.save(target)
    print(f"written to {target}")
    return target


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(f"usage: python {sys.argv[0]} FILE SITE NEW_NAME", file=sys.stderr)
        raise SystemExit(2)
    main(sys.argv[1], sys.argv[2], sys.argv[3])

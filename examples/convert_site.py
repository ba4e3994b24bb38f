"""Move a site from an IIS 6 metabase into an IIS 7+ applicationHost.config.

    python examples/convert_site.py fixtures/convert/MetaBase_convert.xml Store \
        fixtures/convert/target_4space_lf.config

The applicationHost.config only gains the site, its new application pools and its location
blocks; the result is saved next to it, the HTTP.sys commands for the certificate beside it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import metaclone
from metaclone.convert import site_to_applicationhost


def main(metabase_path: str, site: str, apphost_path: str) -> Path:
    metabase = metaclone.load(metabase_path)
    target = metaclone.load(apphost_path)
    try:
        done = site_to_applicationhost(metabase, site, target)
    except metaclone.MetacloneError as error:
        raise SystemExit(f"cannot convert: {error}") from None
    source, site = done.source, done.site
    print(f"IIS 6 site {source.id} {source.name!r} is site {site.id} {site.name!r}")
    for note in done.notes:
        print(f"  {note.severity.value}: {note.message}")
    result = Path(apphost_path).with_name(Path(apphost_path).name + ".new")
    target.save(result)
    print(f"written to {result}")
    if done.plan:
        plan = result.with_name(result.name + ".cmd")
        plan.write_text(done.plan.netsh().replace("\n", "\r\n"), encoding="utf-8")
        print(f"HTTP.sys commands in {plan}")
    return result


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(f"usage: python {sys.argv[0]} METABASE SITE APPLICATIONHOST", file=sys.stderr)
        raise SystemExit(2)
    main(sys.argv[1], sys.argv[2], sys.argv[3])

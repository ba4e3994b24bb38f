"""List the sites of an IIS configuration file with their bindings and certificates.

python examples/list_sites.py fixtures/iis6/MetaBase.xml
"""

from __future__ import annotations

import sys

import metaclone


def main(path: str) -> None:
    doc = metaclone.load(path)
    print(f"{path}: {doc.format}")
    for site in doc.sites:
        state = "started" if site.auto_start else "stopped"
        print(f"  {site.id:>10}  {site.name} [{state}]")
        for binding in site.bindings:
            print(f"{'':>14}{binding.summary}")
        if site.certificate is not None:
            print(f"{'':>14}certificate {site.certificate.thumbprint} ({site.certificate.store})")
        elif site.waiting_for_certificate:
            print(f"{'':>14}waiting for a certificate")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(f"usage: python {sys.argv[0]} FILE", file=sys.stderr)
        raise SystemExit(2)
    main(sys.argv[1])

"""The placeholder workflow: keep https up while a site waits for its new certificate.

``begin`` clones the site under a new id as a placeholder that serves with the last working
certificate, marks the original stopped and the placeholder started.  ``finish`` puts the new
certificate on the original, stops (or deletes) the placeholder and marks the original started.
Both are written once against :class:`~metaclone.base.ConfigDocument`, so they work the same on
an IIS 6 metabase, an IIS 7+ applicationHost.config and appcmd XML.  Each returns what it changed
and the exact next steps on the server; for IIS 7 certificate changes, an HTTP.sys plan.
"""

from __future__ import annotations

import attrs

from metaclone.base import ConfigDocument, SiteKey
from metaclone.errors import CertificateError, SiteNotFoundError
from metaclone.httpsys import HttpSysPlan
from metaclone.loader import APPCMD_XML, IIS6_METABASE
from metaclone.messages import listing
from metaclone.metabase import MetabaseDocument
from metaclone.sites import Binding, CertificateRef, Site, SiteKind

PLACEHOLDER_SUFFIX = " (placeholder)"


@attrs.frozen
class WorkflowResult:
    """What a workflow step did, and what remains to be done on the server.

    ``warnings`` are the workflow's own; the plan carries its warnings itself.
    """

    original: Site
    placeholder: Site | None
    certificate: CertificateRef | None
    plan: HttpSysPlan | None
    changes: tuple[str, ...]
    next_steps: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "original": self.original.to_json(),
            "placeholder": self.placeholder.to_json() if self.placeholder else None,
            "certificate": self.certificate.to_json() if self.certificate else None,
            "plan": self.plan.to_json() if self.plan else None,
            "changes": list(self.changes),
            "next_steps": list(self.next_steps),
            "warnings": list(self.warnings),
        }


def _site_label(site: Site) -> str:
    return f"site {site.id} {site.name!r}"


def _certificate_from(doc: ConfigDocument | None, site: Site) -> CertificateRef | None:
    """The certificate ``site`` has in ``doc`` (its own, or that of one of its https bindings)."""
    if doc is None:
        return None
    try:
        found = doc.site(site.id if site.kind is SiteKind.WEB else f"ftp/{site.id}")
    except SiteNotFoundError:
        return None
    if found.certificate is not None:
        return found.certificate
    return next((b.certificate for b in found.secure_bindings if b.certificate), None)


def _secure_bindings_from(doc: ConfigDocument | None, site: Site) -> tuple[Binding, ...]:
    if doc is None:
        return ()
    try:
        return doc.site(site.id).secure_bindings
    except SiteNotFoundError:
        return ()


def begin(
    doc: ConfigDocument,
    site: SiteKey,
    *,
    new_id: int | None = None,
    new_name: str | None = None,
    certificate: CertificateRef | None = None,
    previous: ConfigDocument | None = None,
    saved_as: str | None = None,
) -> WorkflowResult:
    """Clone ``site`` as a started placeholder with the last working certificate; stop it.

    The certificate is, in order: the one given, the site's own (if the pending request left it),
    the one the same site has in ``previous`` (an earlier copy of the configuration).  For IIS 6
    one of them is required, because the metabase is where the certificate lives.  For IIS 7 the
    placeholder keeps the original's bindings, so HTTP.sys keeps serving the certificate it has
    for them; a certificate given here is planned onto those bindings.  ``saved_as`` names the
    file the result will be saved to, for the next steps (default: the document's own path).
    """
    original = doc.site(site)
    warnings: list[str] = []
    own = _certificate_from(doc, original)
    chosen = certificate or own or _certificate_from(previous, original)
    if doc.format == IIS6_METABASE and chosen is None:
        raise CertificateError(
            f"{_site_label(original)} has no certificate to serve while it waits: give the last "
            "working one with --thumbprint or --cert, or an earlier copy of the configuration "
            "with --from",
            path=doc.path,
            line=original.line,
        )
    name = new_name or f"{original.name}{PLACEHOLDER_SUFFIX}"
    before = doc.xml.checkpoint()
    try:
        placeholder = doc.clone_site(original, new_id=new_id, new_name=name, auto_start=True)
        changes = [
            f"cloned {_site_label(original)} as placeholder {_site_label(placeholder)} "
            "(marked started)"
        ]
        if not placeholder.secure_bindings:
            restored = _secure_bindings_from(previous, original)
            if restored:
                placeholder = doc.set_bindings(placeholder, placeholder.bindings + restored)
                changes.append(
                    "gave the placeholder the https bindings the site had before: "
                    + listing(b.summary for b in restored)
                )
            else:
                warnings.append("the placeholder has no https binding: it will serve http only")
        plan = None
        if chosen is not None and chosen != _certificate_from(doc, placeholder):
            plan = doc.set_certificate(placeholder, chosen.thumbprint, store=chosen.store)
            changes.append(
                f"certificate {chosen.thumbprint} (store {chosen.store}) for the placeholder"
                + (" as an HTTP.sys plan" if plan is not None else "")
            )
        original = doc.set_auto_start(original, False)
        changes.append(f"marked {_site_label(original)} stopped")
        placeholder = doc.site(placeholder)
    except Exception:
        doc.xml.rollback(before)
        raise
    steps = _begin_steps(doc, original, placeholder, plan, saved_as or doc.path)
    return WorkflowResult(
        original, placeholder, chosen, plan, tuple(changes), steps, tuple(warnings)
    )


def finish(
    doc: ConfigDocument,
    site: SiteKey,
    placeholder: SiteKey,
    certificate: CertificateRef,
    *,
    delete: bool = False,
    saved_as: str | None = None,
) -> WorkflowResult:
    """Put the new ``certificate`` on ``site``, stop or delete ``placeholder``, start ``site``.

    ``saved_as`` names the file the result will be saved to, for the next steps.
    """
    original = doc.site(site)
    stand_in = doc.site(placeholder)
    if stand_in.id == original.id and stand_in.kind is original.kind:
        raise SiteNotFoundError(
            f"the placeholder must be another site than {_site_label(original)}", path=doc.path
        )
    warnings: list[str] = []
    changes: list[str] = []
    before = doc.xml.checkpoint()
    try:
        if not original.secure_bindings and stand_in.secure_bindings:
            original = doc.set_bindings(original, original.bindings + stand_in.secure_bindings)
            changes.append(
                f"gave {_site_label(original)} back its https bindings: "
                + listing(b.summary for b in stand_in.secure_bindings)
            )
        if delete:
            doc.delete_site(stand_in)
            changes.append(f"deleted placeholder {_site_label(stand_in)}")
            remaining: Site | None = None
        else:
            remaining = doc.set_auto_start(stand_in, False)
            changes.append(f"marked placeholder {_site_label(stand_in)} stopped")
        plan = doc.set_certificate(original, certificate.thumbprint, store=certificate.store)
        changes.append(
            f"certificate {certificate.thumbprint} (store {certificate.store}) for "
            f"{_site_label(original)}" + (" as an HTTP.sys plan" if plan is not None else "")
        )
        original = doc.set_auto_start(original, True)
        changes.append(f"marked {_site_label(original)} started")
    except Exception:
        doc.xml.rollback(before)
        raise
    steps = _finish_steps(doc, original, stand_in, plan, deleted=delete, file=saved_as or doc.path)
    return WorkflowResult(
        original, remaining, certificate, plan, tuple(changes), steps, tuple(warnings)
    )


def _is_full_metabase(doc: ConfigDocument) -> bool:
    return isinstance(doc, MetabaseDocument) and not doc.is_export


def _iis6_steps(doc: ConfigDocument, sites: list[Site], file: str) -> list[str]:
    if _is_full_metabase(doc):
        return [
            "stop IIS on the server: iisreset /stop",
            "back up %SystemRoot%\\system32\\inetsrv\\MetaBase.xml, then replace it with "
            "the new file (or turn on edit-while-running and let IIS pick it up)",
            "start IIS: iisreset /start",
        ]
    return [
        f"iiscnfg /import /f {file} /sp /LM/W3SVC/{site.id} /dp /LM/W3SVC/{site.id} "
        "/children   (add /d PASSWORD if the export was made with one)"
        for site in sites
    ]


def _run_plan_step(plan: HttpSysPlan | None) -> list[str]:
    if plan is None or not plan:
        return []
    return ["run the HTTP.sys plan (netsh or PowerShell) as an administrator"]


def _iis7_install_step(doc: ConfigDocument, new_site: Site | None, file: str) -> list[str]:
    if doc.format == APPCMD_XML:
        if new_site is None:
            return []
        return [
            f"import the placeholder: keep only its <SITE> element ({new_site.name!r}) of "
            f"{file} in a file of its own and run: appcmd add site /in < THAT_FILE"
        ]
    return [
        f"back up the live configuration (appcmd add backup), then copy {file} over "
        "%windir%\\system32\\inetsrv\\config\\applicationHost.config"
    ]


def _begin_steps(
    doc: ConfigDocument, original: Site, placeholder: Site, plan: HttpSysPlan | None, file: str
) -> tuple[str, ...]:
    if doc.format == IIS6_METABASE:
        if _is_full_metabase(doc):
            return (
                *_iis6_steps(doc, [], file),
                "IIS starts the sites marked started: the placeholder serves, the original "
                "stays stopped",
            )
        return (
            f"stop the original: iisweb /stop w3svc/{original.id}",
            *_iis6_steps(doc, [placeholder, original], file),
            f"start the placeholder: iisweb /start w3svc/{placeholder.id}",
        )
    return (
        *_iis7_install_step(doc, placeholder, file),
        *_run_plan_step(plan),
        f'appcmd stop site /site.name:"{original.name}"',
        f'appcmd start site /site.name:"{placeholder.name}"',
    )


def _finish_steps(
    doc: ConfigDocument,
    original: Site,
    placeholder: Site,
    plan: HttpSysPlan | None,
    *,
    deleted: bool,
    file: str,
) -> tuple[str, ...]:
    if doc.format == IIS6_METABASE:
        if _is_full_metabase(doc):
            return (
                f"install the new certificate {_thumbprint(original)} in the computer's "
                "Personal (MY) store if it is not there yet",
                *_iis6_steps(doc, [], file),
                "IIS starts the sites marked started: the original serves again",
            )
        steps = [f"stop the placeholder: iisweb /stop w3svc/{placeholder.id}"]
        if deleted:
            steps.append(f"delete it: iisweb /delete w3svc/{placeholder.id}")
        steps += _iis6_steps(doc, [original], file)
        steps.append(f"start the original: iisweb /start w3svc/{original.id}")
        return tuple(steps)
    steps = [f'appcmd stop site /site.name:"{placeholder.name}"']
    if deleted:
        steps.append(f'appcmd delete site /site.name:"{placeholder.name}"')
    steps += _iis7_install_step(doc, None, file) + _run_plan_step(plan)
    steps.append(f'appcmd start site /site.name:"{original.name}"')
    return tuple(steps)


def _thumbprint(site: Site) -> str:
    return site.certificate.thumbprint if site.certificate else "(see above)"

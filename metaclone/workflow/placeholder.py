"""The placeholder workflow: keep https up while a site waits for its new certificate.

``begin`` clones the site under a new id as a placeholder that serves with the last working
certificate, marks the original stopped and the placeholder started.  ``finish`` puts the new
certificate on the original, stops (or deletes) the placeholder and marks the original started.
Both are written once against :class:`~metaclone.document.ConfigDocument`, so they work the same
on an IIS 6 metabase, an IIS 7+ applicationHost.config (IIS or IIS Express) and appcmd XML; the
document says what to do on the server
(:meth:`~metaclone.document.ConfigDocument.placeholder_steps`).

Both refuse, with the document unchanged, what would take https down: a placeholder that would
start without a certificate, a second placeholder, a site with nothing to keep up, and a
``finish`` whose "placeholder" is not the site's placeholder at all.
"""

from __future__ import annotations

import attrs

from metaclone.document import ConfigDocument, SiteKey
from metaclone.errors import (
    MissingCertificateError,
    NotAPlaceholderError,
    NothingToKeepUpError,
    PlaceholderExistsError,
    PreviousConfigError,
    SiteNotFoundError,
)
from metaclone.handover import Handover, Stage, expansion_warnings
from metaclone.httpsys import HttpSysPlan, resolution_order
from metaclone.messages import listing
from metaclone.model.lookup import site_key
from metaclone.model.sites import Binding, CertificateRef, Site, SiteKind
from metaclone.workflow.edit_reads import lines_moved
from metaclone.workflow.placeholder_match import (
    PLACEHOLDER_SUFFIX,
    check_printable,
    find_placeholder,
    placeholder_mismatch,
    placeholder_of,
    stands_in_for,
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


@attrs.frozen
class WorkflowResult:
    """What a workflow step did, and what remains to be done on the server.

    ``warnings`` and ``notes`` are the workflow's own; the plan carries its warnings itself.
    """

    original: Site
    placeholder: Site | None
    certificate: CertificateRef | None
    plan: HttpSysPlan | None
    changes: tuple[str, ...]
    next_steps: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "original": self.original.to_json(),
            "placeholder": self.placeholder.to_json() if self.placeholder else None,
            "certificate": self.certificate.to_json() if self.certificate else None,
            "plan": self.plan.to_json() if self.plan else None,
            "changes": list(self.changes),
            "next_steps": list(self.next_steps),
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }


def _site_label(site: Site) -> str:
    return f"site {site.id} {site.name!r}"


def _kept_up(site: Site) -> tuple[Binding, ...]:
    """The bindings a placeholder of ``site`` would serve with a certificate.

    The https bindings; for an FTP site with a certificate (FTP over TLS), its ftp bindings.
    """
    if site.kind is SiteKind.FTP and site.certificate is not None:
        return tls_bindings(site)
    return site.secure_bindings


def _own_certificate(site: Site) -> CertificateRef | None:
    """The certificate ``site`` serves with: its own, or that of one of its https bindings."""
    if site.certificate is not None:
        return site.certificate
    return next((b.certificate for b in site.secure_bindings if b.certificate), None)


def _previous_site(
    doc: ConfigDocument, previous: ConfigDocument | None, original: Site
) -> Site | None:
    """``original`` as the earlier copy of the configuration has it; refused when absent."""
    if previous is None:
        return None
    if previous.format != doc.format:
        raise PreviousConfigError(
            f"--from {previous.path} is {previous.format}, but {doc.path} is {doc.format}: give "
            "an earlier copy of the same configuration",
            path=previous.path,
        )
    try:
        return previous.site(site_key(original))
    except SiteNotFoundError:
        raise PreviousConfigError(
            f"--from {previous.path} has no site with id {original.id} ({original.name!r}): "
            "give an earlier copy of the configuration that still has it",
            path=previous.path,
        ) from None


def _unverified_warning(name: str, bindings: tuple[Binding, ...]) -> str:
    entries = " and ".join(
        f"{b.summary} (" + " or ".join(map(str, resolution_order(b))) + ")" for b in bindings
    )
    return (
        f"the certificate of {name!r} could not be verified (it is in HTTP.sys): check that "
        f"'netsh http show sslcert' has an entry for {entries}, or give that output with "
        "--sslcert, or the certificate with --thumbprint or --cert"
    )


def _require_certificate(doc: ConfigDocument, placeholder: Site, original: Site) -> list[str]:
    """Refuse a placeholder that would start without any certificate.

    Warnings when that cannot be known, and for bindings no certificate serves while others do.
    """
    missing = doc.uncertified_bindings(placeholder)
    if missing is None:
        return [_unverified_warning(original.name, placeholder.secure_bindings)]
    if not missing:
        return []
    if len(missing) < len(placeholder.secure_bindings):
        # The placeholder serves what the original served; these bindings had nothing before.
        return [
            "no certificate serves "
            + listing(b.summary for b in missing)
            + f" of {original.name!r}: the placeholder serves https on its other bindings only"
        ]
    raise MissingCertificateError(
        f"{_site_label(original)} has no certificate to serve while it waits ("
        + listing(b.summary for b in missing)
        + " would have none): give the last working one with --thumbprint or --cert, or an "
        "earlier copy of the configuration with --from",
        path=doc.path,
        line=original.line,
    )


def _pair_notes(
    plan: HttpSysPlan | None, pair: dict[str, str], *, keep_its_certificate: bool
) -> tuple[HttpSysPlan | None, tuple[str, ...], tuple[str, ...]]:
    """The plan without warnings about sharing an entry with the other site of the pair; the
    notes that say so instead, and the workflow's own warnings.

    The original and its placeholder have the same bindings, so of course they share HTTP.sys
    entries: that is a note, not a warning.  ``pair`` maps the other site's name to its role.
    With ``keep_its_certificate`` (begin: the other site is the running original), a change of
    the certificate an entry holds now is a warning: it changes what that site serves at once.
    """
    if plan is None:
        return None, (), ()
    notes: list[str] = []
    warnings: list[str] = []
    prefixes: list[str] = []
    for change in plan.changes:
        if not change.also_affected or not set(change.also_affected) <= pair.keys():
            continue
        prefixes.append(f"{change.endpoint} is shared: ")
        names = ", ".join(f"the {pair[n]} {n!r}" for n in change.also_affected)
        previous = change.previous_thumbprint
        if keep_its_certificate and previous is not None and previous != change.thumbprint:
            warnings.append(
                f"{change.endpoint} is shared with {names}: the plan changes the certificate it "
                f"serves now, {previous}, to {change.thumbprint}"
            )
        else:
            notes.append(
                f"{change.endpoint} is shared with {names}, which has the same bindings: it "
                "serves the same certificate while it runs"
            )
    kept = tuple(w for w in plan.warnings if not w.startswith(tuple(prefixes)))
    return attrs.evolve(plan, warnings=kept), tuple(notes), tuple(warnings)


def _check_begin(
    doc: ConfigDocument, original: Site, previous: ConfigDocument | None
) -> tuple[Site | None, tuple[Binding, ...]]:
    """Refuse a ``begin`` that would take https down or leave a mess behind.

    Returns the site as ``previous`` has it, and the https bindings to give back from there.
    """
    check_printable(doc, original)
    existing = find_placeholder(doc, original)
    if existing is not None and original.auto_start and not existing.auto_start:
        raise PlaceholderExistsError(
            f"{_site_label(existing)} is a placeholder of {original.name!r} left stopped by an "
            "earlier placeholder finish, with the certificate of that time: delete it first "
            f"(metaclone delete FILE --site {site_key(existing)}), then begin again",
            path=doc.path,
            line=existing.line,
        )
    if existing is not None:
        raise PlaceholderExistsError(
            f"a placeholder for {original.name!r} already exists ({_site_label(existing)}); "
            "run placeholder finish",
            path=doc.path,
            line=existing.line,
        )
    stood_in_for = placeholder_of(doc, original)
    if stood_in_for is not None:
        raise PlaceholderExistsError(
            f"{_site_label(original)} is the placeholder of {_site_label(stood_in_for)}: run "
            f"placeholder finish for {stood_in_for.name!r} rather than a placeholder of the "
            "placeholder",
            path=doc.path,
            line=original.line,
        )
    earlier = _previous_site(doc, previous, original)
    restored = _kept_up(earlier) if earlier is not None and not _kept_up(original) else ()
    if not _kept_up(original) and not restored:
        raise NothingToKeepUpError(
            f"{_site_label(original)} has no https binding: there is nothing to keep up while "
            "a certificate is pending, so it needs no placeholder",
            path=doc.path,
            line=original.line,
        )
    if not original.auto_start:
        raise NothingToKeepUpError(
            f"{_site_label(original)} is marked stopped: it serves nothing, so there is nothing "
            "to keep up while a certificate is pending, and a started placeholder would take its "
            "bindings in its place; if it should run, mark it started first (metaclone start "
            "FILE --site SITE)",
            path=doc.path,
            line=original.line,
        )
    return earlier, restored


def begin(
    doc: ConfigDocument,
    site: SiteKey,
    *,
    new_id: int | None = None,
    new_name: str | None = None,
    certificate: CertificateRef | None = None,
    previous: ConfigDocument | None = None,
    saved_as: str | None = None,
    only_new: bool = False,
) -> WorkflowResult:
    """Clone ``site`` as a started placeholder with the last working certificate; stop it.

    The certificate is, in order: the one given, the site's own, the one the same site has in
    ``previous`` (an earlier copy of the configuration, which also gives back https bindings a
    pending request removed).  Refused (:class:`~metaclone.errors.WorkflowError`, document
    unchanged) when the site has no https binding, already has a placeholder, or the placeholder
    would start without a certificate: IIS 7 certificates are checked against the attached
    ``netsh http show sslcert`` entries, and only warned about when none are attached.
    ``saved_as`` names the file the result will be saved to, for the next steps (default: the
    document's own path); ``only_new`` leaves the placeholder alone in the document (appcmd XML,
    for ``appcmd add site /in``).
    """
    original = doc.site(site)
    earlier, restored = _check_begin(doc, original, previous)
    chosen = certificate or _own_certificate(original)
    if chosen is None and earlier is not None:
        chosen = _own_certificate(earlier)
    with doc.transaction():
        return _begin(
            doc,
            original,
            new_id=new_id,
            new_name=new_name,
            chosen=chosen,
            restored=restored,
            file=saved_as or doc.path,
            only_new=only_new,
        )


def _begin(
    doc: ConfigDocument,
    original: Site,
    *,
    new_id: int | None,
    new_name: str | None,
    chosen: CertificateRef | None,
    restored: tuple[Binding, ...],
    file: str,
    only_new: bool,
) -> WorkflowResult:
    name = new_name or f"{original.name}{PLACEHOLDER_SUFFIX}"
    placeholder = doc.clone_site(original, new_id=new_id, new_name=name, auto_start=True)
    changes = [
        f"cloned {_site_label(original)} as placeholder {_site_label(placeholder)} (marked started)"
    ]
    if restored:
        placeholder = doc.set_bindings(placeholder, placeholder.bindings + restored)
        changes.append(
            "gave the placeholder the https bindings the site had before: "
            + listing(b.summary for b in restored)
        )
    written = doc.xml.version  # a certificate written into the file changes the placeholder
    plan, warnings = _placeholder_certificate(doc, original, placeholder, chosen, changes)
    stale = doc.xml.version != written
    plan, notes, shared = _pair_notes(plan, {original.name: "original"}, keep_its_certificate=True)
    warnings.extend(shared)
    handover = Handover(Stage.BEGIN, original, placeholder, file, plan, only_new=only_new)
    # The steps name the sites by name, id and kind, which the stop leaves as they are: told
    # now, they read the text as it is rather than a new one.
    steps = None if only_new else doc.placeholder_steps(handover)
    before_stop = doc.xml.version
    original = doc.set_auto_start(original, False)
    changes.append(f"marked {_site_label(original)} stopped")
    if stale or lines_moved(doc, before_stop):
        placeholder = doc.site(placeholder)
    if only_new:
        doc.keep_only([placeholder])
        changes.append("removed every other site from the document, for appcmd add site /in")
    handover = Handover(Stage.BEGIN, original, placeholder, file, plan, only_new=only_new)
    if steps is None:
        steps = doc.placeholder_steps(handover)
    warnings.extend(expansion_warnings(handover))
    return WorkflowResult(
        original, placeholder, chosen, plan, tuple(changes), steps, tuple(warnings), notes
    )


def _placeholder_certificate(
    doc: ConfigDocument,
    original: Site,
    placeholder: Site,
    chosen: CertificateRef | None,
    changes: list[str],
) -> tuple[HttpSysPlan | None, list[str]]:
    """Give the placeholder ``chosen`` unless it serves that already, else require that it
    serves some certificate; the plan, and the warnings."""
    if chosen is None or chosen == _own_certificate(placeholder):
        return None, _require_certificate(doc, placeholder, original)
    plan = doc.set_certificate(placeholder, chosen.thumbprint, store=chosen.store)
    changes.append(
        f"certificate {chosen.thumbprint} (store {chosen.store}) for the placeholder"
        + (" as an HTTP.sys plan" if plan is not None else "")
    )
    return plan, []


def _check_placeholder(
    doc: ConfigDocument, original: Site, stand_in: Site, force: bool
) -> list[str]:
    if stand_in.id == original.id and stand_in.kind is original.kind:
        found = find_placeholder(doc, original)
        hint = (
            f"give --placeholder {site_key(found)} ({_site_label(found)})"
            if found is not None
            else "give the id or name of the site placeholder begin created with --placeholder"
        )
        raise NotAPlaceholderError(
            f"the placeholder must be another site than {_site_label(original)}: {hint}",
            path=doc.path,
        )
    if stands_in_for(original, stand_in) and not stands_in_for(stand_in, original):
        problem = (
            f"{_site_label(original)} is the placeholder of {_site_label(stand_in)}, not the "
            "other way round"
        )
        advice = f'give --site "{stand_in.name}" --placeholder "{original.name}"'
    else:
        mismatch = placeholder_mismatch(original, stand_in)
        if mismatch is None:
            return []
        problem = (
            f"{_site_label(stand_in)} is not the placeholder of {_site_label(original)}: {mismatch}"
        )
        advice = "name the site placeholder begin created (its https bindings are the original's)"
    if force:
        return [f"{problem}; going ahead because of --force"]
    raise NotAPlaceholderError(
        f"{problem}. Nothing was changed; {advice}, or give --force",
        path=doc.path,
        line=stand_in.line,
    )


def _old_certificate_warning(
    original: Site, stand_in: Site, certificate: CertificateRef
) -> list[str]:
    """A warning when ``certificate`` is the one the site or its placeholder already serves."""
    current, served = _own_certificate(original), _own_certificate(stand_in)
    if current is not None and current.thumbprint == certificate.thumbprint:
        holder = f"{original.name!r} already uses"
    elif served is not None and served.thumbprint == certificate.thumbprint:
        holder = f"the placeholder {stand_in.name!r} serves"
    else:
        return []
    return [f"this is the certificate {holder} ({certificate.thumbprint}); give the new one"]


def finish(
    doc: ConfigDocument,
    site: SiteKey,
    placeholder: SiteKey,
    certificate: CertificateRef,
    *,
    delete: bool = False,
    force: bool = False,
    saved_as: str | None = None,
    certificate_file: str | None = None,
) -> WorkflowResult:
    """Put the new ``certificate`` on ``site``, stop or delete ``placeholder``, start ``site``.

    Refused (:class:`~metaclone.errors.NotAPlaceholderError`, document unchanged) when
    ``placeholder`` is not ``site``'s placeholder (see :func:`placeholder_mismatch`), unless
    ``force``.  ``saved_as`` names the file the result will be saved to and
    ``certificate_file`` the file the certificate came from, for the next steps.
    """
    original = doc.site(site)
    stand_in = doc.site(placeholder)
    check_printable(doc, original, stand_in)
    warnings = _check_placeholder(doc, original, stand_in, force)
    warnings.extend(_old_certificate_warning(original, stand_in, certificate))
    with doc.transaction():
        return _finish(
            doc,
            original,
            stand_in,
            certificate,
            delete=delete,
            warnings=warnings,
            file=saved_as or doc.path,
            certificate_file=certificate_file,
        )


def _finish(
    doc: ConfigDocument,
    original: Site,
    stand_in: Site,
    certificate: CertificateRef,
    *,
    delete: bool,
    warnings: list[str],
    file: str,
    certificate_file: str | None,
) -> WorkflowResult:
    changes: list[str] = []
    if not original.secure_bindings and stand_in.secure_bindings:
        original = doc.set_bindings(original, original.bindings + stand_in.secure_bindings)
        changes.append(
            f"gave {_site_label(original)} back its https bindings: "
            + listing(b.summary for b in stand_in.secure_bindings)
        )
    remaining: Site | None = None
    if delete:
        doc.delete_site(stand_in)
        changes.append(f"deleted placeholder {_site_label(stand_in)}")
    else:
        remaining = doc.set_auto_start(stand_in, False)
        changes.append(f"marked placeholder {_site_label(stand_in)} stopped")
    plan = doc.set_certificate(original, certificate.thumbprint, store=certificate.store)
    plan, notes, _ = _pair_notes(plan, {stand_in.name: "placeholder"}, keep_its_certificate=False)
    changes.append(
        f"certificate {certificate.thumbprint} (store {certificate.store}) for "
        f"{_site_label(original)}" + (" as an HTTP.sys plan" if plan is not None else "")
    )
    handover = Handover(
        Stage.FINISH,
        original,
        stand_in,
        file,
        plan,
        certificate=certificate,
        certificate_file=certificate_file,
        deleted=delete,
    )
    # Told before the original is started, which changes nothing they name (see _begin).
    steps = doc.placeholder_steps(handover)
    original = doc.set_auto_start(original, True)
    changes.append(f"marked {_site_label(original)} started")
    handover = attrs.evolve(handover, original=original)
    warnings.extend(expansion_warnings(handover))
    return WorkflowResult(
        original, remaining, certificate, plan, tuple(changes), steps, tuple(warnings), notes
    )

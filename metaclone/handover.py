"""What to do on the server to carry out a placeholder step, for each kind of IIS.

A placeholder holds the original's https bindings, so the two sites can never run at the same
time: IIS refuses to start a site whose bindings another running site has registered.  Every
switch from one to the other is therefore one command line that stops one and at once starts the
other, and everything that can be done before it (importing the certificate, running the
HTTP.sys plan, installing the configuration) is done first, so that https is down only for the
moment between the two commands.  The IIS 7 HTTP.sys entries are shared by the two sites: once
the plan has run, the running site already serves the new certificate.

Each document type picks its steps here through ``ConfigDocument.placeholder_steps``, so that the
workflow never asks which format it has.
"""

from __future__ import annotations

import enum
import re
from typing import TYPE_CHECKING

import attrs

from metaclone.httpsys import IIS_EXPRESS_APP_ID
from metaclone.model.sites import CertificateRef, Site, SiteKind

if TYPE_CHECKING:
    from metaclone.httpsys import HttpSysPlan

#: appcmd by its full path: it is not on the PATH of an ordinary command prompt.
APPCMD = r'"%windir%\system32\inetsrv\appcmd.exe"'
#: The live IIS 7+ configuration.
APPLICATIONHOST = r"%windir%\system32\inetsrv\config\applicationHost.config"
#: The live IIS 6 metabase.
METABASE = r"%SystemRoot%\system32\inetsrv\MetaBase.xml"
#: IIS 6's iisweb and iiscnfg are .vbs scripts, run by cscript: started by name where
#: WScript is the default host (as it is out of the box), they run outside the prompt and
#: ``&&`` does not wait for them.
IISWEB = r"cscript //nologo %SystemRoot%\system32\iisweb.vbs"
IISCNFG = r"cscript //nologo %SystemRoot%\system32\iiscnfg.vbs"
#: IIS Express, where its installer puts it.
IISEXPRESS = r'"%ProgramFiles%\IIS Express\iisexpress.exe"'

_PFX_SUFFIXES = (".pfx", ".p12")


class Stage(enum.Enum):
    BEGIN = "begin"
    FINISH = "finish"


@attrs.frozen
class Handover:
    """A placeholder step done in the file, to be carried out on the server.

    ``file`` is where the new document is saved; ``certificate`` the new certificate of a
    ``finish`` (with ``certificate_file``, the file it was read from, when known); ``deleted``
    says that ``finish`` deleted the placeholder; ``only_new`` that the file holds the new site
    alone (appcmd XML).
    """

    stage: Stage
    original: Site
    placeholder: Site
    file: str
    plan: HttpSysPlan | None = None
    certificate: CertificateRef | None = None
    certificate_file: str | None = None
    deleted: bool = False
    only_new: bool = False

    @property
    def stopping(self) -> Site:
        """The site that stops serving: the original on ``begin``, the placeholder on finish."""
        return self.original if self.stage is Stage.BEGIN else self.placeholder

    @property
    def starting(self) -> Site:
        return self.placeholder if self.stage is Stage.BEGIN else self.original


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


# At a cmd prompt %NAME% is replaced by the variable's value even between double quotes, and
# there is no escape for it there (%% only works in batch files); an undefined NAME is left as
# typed.  The lookahead finds overlapping pairs: in a%b%c% both b and c are looked up.
_CMD_VARIABLE = re.compile(r"%(?=([^%]+)%)")


def cmd_variables(text: str) -> tuple[str, ...]:
    """The variable names cmd would look up in ``text`` pasted at a prompt, in order."""
    return tuple(dict.fromkeys(match.group(1) for match in _CMD_VARIABLE.finditer(text)))


def expansion_warnings(handover: Handover) -> list[str]:
    """Warnings for the names and files the steps print that hold ``%NAME%``: pasted at a
    cmd prompt, the step would name another site or file if such a variable is set."""
    values = {
        "site name": (handover.original.name, handover.placeholder.name),
        "file name": (handover.file, handover.certificate_file or ""),
    }
    warnings = []
    for what, texts in values.items():
        for text in dict.fromkeys(texts):
            names = cmd_variables(text)
            if names:
                checks = ", ".join(f"set {name}" for name in names)
                warnings.append(
                    f"the {what} {text!r} holds text between % signs, which cmd replaces with "
                    "the value of a variable of that name even inside quotes: before pasting a "
                    f"step that holds it, check that {checks} answers that the variable is not "
                    "defined"
                )
    return warnings


def _import_certificate(handover: Handover, *, powershell: bool = True) -> list[str]:
    """Putting the new certificate, with its private key, where IIS and HTTP.sys read it.

    ``powershell`` adds the PowerShell way (Windows Server 2012 and later: not for IIS 6).
    """
    certificate = handover.certificate
    if handover.stage is not Stage.FINISH or certificate is None:
        return []
    given = handover.certificate_file
    pfx = given if given and given.lower().endswith(_PFX_SUFFIXES) else "NEW_CERT.pfx"
    store = certificate.store
    step = (
        f"import the new certificate {certificate.thumbprint} with its private key into "
        f"LocalMachine\\{store}, unless it is there already: certutil -p PASSWORD -importpfx "
        f"{store} {_quoted(pfx)}"
    )
    if powershell:
        step += (
            f"   (PowerShell: Import-PfxCertificate -FilePath {_quoted(pfx)} -CertStoreLocation "
            f"Cert:\\LocalMachine\\{store} -Password (Read-Host -AsSecureString))"
        )
    if pfx != given:
        step += f"; NEW_CERT.pfx is the PFX export of {certificate.thumbprint} with its key"
    return [step]


def _run_plan(handover: Handover, app_id: str | None = None) -> list[str]:
    if not handover.plan:
        return []
    step = "run the HTTP.sys plan (netsh or PowerShell) in an elevated prompt"
    if app_id is not None:
        step += f" (its entries are registered under IIS Express's application id {app_id})"
    if len({handover.original.name, handover.placeholder.name}) == 2:
        step += (
            f"; {handover.original.name!r} and {handover.placeholder.name!r} share these "
            "entries, so whichever of them runs serves the planned certificate at once"
        )
    return [step]


def _appcmd_switch(handover: Handover) -> str:
    stop, start = handover.stopping.name, handover.starting.name
    return (
        "switch in one line (the two sites share their bindings, so one must stop before the "
        f"other can start): {APPCMD} stop site /site.name:{_quoted(stop)} && "
        f"{APPCMD} start site /site.name:{_quoted(start)}"
    )


def _install_applicationhost(handover: Handover) -> str:
    step = (
        f'back up the live configuration ({APPCMD} add backup "before-placeholder-'
        f'{handover.stage.value}"), then copy {_quoted(handover.file)} over {APPLICATIONHOST}'
    )
    if handover.deleted:
        step += f"; this deletes the placeholder {handover.placeholder.name!r}"
    return step


def _appcmd_start_at_once(handover: Handover) -> str:
    return (
        "start the original at once: "
        f"{APPCMD} start site /site.name:{_quoted(handover.original.name)}"
    )


def iis7_steps(handover: Handover) -> tuple[str, ...]:
    """IIS 7 and later, from an applicationHost.config."""
    install = _install_applicationhost(handover)
    if handover.stage is Stage.BEGIN:
        return (install, *_run_plan(handover), _appcmd_switch(handover))
    imported = _import_certificate(handover)
    if handover.original.kind is SiteKind.FTP:
        # An FTP site's certificate is in the configuration: it goes in first, so that the
        # original starts with the new certificate.
        if handover.deleted:
            install += ", which stops it: do the next step at once"
            return (*imported, install, _appcmd_start_at_once(handover))
        return (*imported, install, _appcmd_switch(handover))
    # The configuration goes in last: with --delete it removes the placeholder, which must
    # keep serving until the original has started.
    return (*imported, *_run_plan(handover), _appcmd_switch(handover), install)


def _appcmd_set_ftp_certificate(handover: Handover) -> list[str]:
    """appcmd XML is not imported on finish: an FTP site's certificate is set by appcmd."""
    certificate = handover.certificate
    if handover.original.kind is not SiteKind.FTP or certificate is None:
        return []
    ssl = "/ftpServer.security.ssl"
    return [
        "give the original its new certificate: "
        f"{APPCMD} set site /site.name:{_quoted(handover.original.name)} "
        f"{ssl}.serverCertHash:{certificate.thumbprint} "
        f"{ssl}.serverCertStoreName:{certificate.store}"
    ]


def appcmd_steps(handover: Handover) -> tuple[str, ...]:
    """IIS 7 and later, from ``appcmd list site /config /xml`` output."""
    if handover.stage is Stage.BEGIN:
        name = handover.placeholder.name
        if handover.only_new:
            add = f"add the placeholder: {APPCMD} add site /in < {_quoted(handover.file)}"
        else:
            add = (
                f"add the placeholder {name!r}: {handover.file} holds every site of the listing, "
                "which appcmd add site /in would add again; write the placeholder alone with "
                "placeholder begin ... --only-new -o PLACEHOLDER.xml, then "
                f"{APPCMD} add site /in < PLACEHOLDER.xml"
            )
        return (add, *_run_plan(handover), _appcmd_switch(handover))
    steps = [
        *_import_certificate(handover),
        *_appcmd_set_ftp_certificate(handover),
        *_run_plan(handover),
        _appcmd_switch(handover),
    ]
    if handover.deleted:
        steps.append(
            f"delete the placeholder: {APPCMD} delete site "
            f"/site.name:{_quoted(handover.placeholder.name)}"
        )
    return tuple(steps)


def iis_express_steps(handover: Handover) -> tuple[str, ...]:
    """IIS Express: sites run in the iisexpress.exe process started for them."""
    config = handover.file
    switch = (
        f"close the IIS Express that serves {handover.stopping.name!r} (press Q in its window), "
        f"and at once start {handover.starting.name!r}: {IISEXPRESS} "
        f"/config:{_quoted(config)} /site:{_quoted(handover.starting.name)}"
    )
    return (
        *_import_certificate(handover),
        *_run_plan(handover, IIS_EXPRESS_APP_ID),
        switch,
    )


def _iisweb_switch(handover: Handover) -> str:
    stop, start = handover.stopping.id, handover.starting.id
    return (
        "switch in one line (the two sites share their bindings): "
        f"{IISWEB} /stop w3svc/{stop} && {IISWEB} /start w3svc/{start}"
    )


def iis6_metabase_steps(handover: Handover, *, edit_while_running: bool) -> tuple[str, ...]:
    """IIS 6, from a whole MetaBase.xml.

    ``edit_while_running`` says whether the file has edit-while-running turned on.
    """
    if edit_while_running:
        live = (
            "edit-while-running is on in this file (EnableEditWhileRunning=1), so IIS reads a "
            "replaced MetaBase.xml while it runs: check that it is on on the server too"
        )
    else:
        live = (
            "turn on edit-while-running: IIS Manager, right-click the computer, Properties, "
            "tick 'Enable Direct Metabase Edit'"
        )
    replace = (
        f"back up {METABASE}, then copy {_quoted(handover.file)} over it: IIS reads the new "
        "file while it runs"
    )
    if handover.deleted:
        replace += ", and deletes the placeholder as it does: do the next step at once"
        switch = f"start the original at once: {IISWEB} /start w3svc/{handover.original.id}"
    else:
        switch = _iisweb_switch(handover)
    fallback = (
        "only where edit-while-running cannot be used: iisreset /stop, copy the file, then "
        "iisreset /start; iisreset stops every site on the server, not only these two, and IIS "
        "then starts the sites marked started"
    )
    return (*_import_certificate(handover, powershell=False), live, replace, switch, fallback)


def iis6_export_steps(handover: Handover) -> tuple[str, ...]:
    """IIS 6, from an ``iiscnfg /export`` file: imported key by key while IIS runs."""

    def imported(site: Site) -> str:
        path = f"/LM/W3SVC/{site.id}"
        return (
            f"{IISCNFG} /import /f {_quoted(handover.file)} /sp {path} /dp {path} /children   "
            "(add /d PASSWORD if the export was made with one)"
        )

    if handover.stage is Stage.BEGIN:
        imports = [imported(handover.placeholder), imported(handover.original)]
    else:
        imports = [imported(handover.original)]
    steps = [*_import_certificate(handover, powershell=False), *imports, _iisweb_switch(handover)]
    if handover.deleted:
        steps.append(f"delete the placeholder: {IISWEB} /delete w3svc/{handover.placeholder.id}")
    return tuple(steps)

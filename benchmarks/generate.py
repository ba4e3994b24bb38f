# The templates reproduce lines exactly as IIS writes them, long lines and white-space-only
# lines included.
# ruff: noqa: E501, W293
"""Write large, realistic IIS configuration files for benchmarks and stress tests.

The shapes follow real files: an IIS 7+ applicationHost.config as IIS writes it (CRLF, four-space
indentation, the stock header comment, one application pool and one ``<location>`` block per
hosted site, ``<customMetadata>`` keys ``LM/W3SVC/<id>``) and an IIS 6 MetaBase.xml (UTF-8 BOM,
``<?xml version ="1.0"?>``, flat keys under ``<MBProperty>`` with tab-indented properties on lines
of their own, multi-line MULTISZ values, hashed site ids, SSL on some sites).

The output depends only on the format, the number of sites and the seed::

    python benchmarks/generate.py --format iis7 --sites 50000 --seed 1 -o big.config

or, from Python, ``generate("iis6", 1000, seed=1)`` which returns the bytes.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

FORMATS = ("iis6", "iis7")

_TLDS = ("com", "net", "org", "example", "co.uk", "de", "fr", "info")
_WORDS = (
    "alpha",
    "bakery",
    "cloud",
    "delta",
    "echo",
    "forest",
    "garden",
    "harbor",
    "island",
    "jade",
    "kiosk",
    "lumen",
    "market",
    "north",
    "orbit",
    "pixel",
    "quartz",
    "river",
    "studio",
    "tiger",
    "union",
    "vault",
    "willow",
    "xenon",
    "yonder",
    "zephyr",
    "shop",
    "news",
    "mail",
    "portal",
)


def site_names(count: int, rng: random.Random) -> list[str]:
    """``count`` distinct host-like site names."""
    names: list[str] = []
    seen: set[str] = set()
    index = 0
    while len(names) < count:
        word = rng.choice(_WORDS)
        name = f"{word}{index:05d}.{rng.choice(_TLDS)}"
        index += 1
        if name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


def _hex(rng: random.Random, nbytes: int) -> str:
    return rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big").hex()


def _ip(rng: random.Random) -> str:
    return f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


# ---------------------------------------------------------------------------------------------
# IIS 7+: applicationHost.config
# ---------------------------------------------------------------------------------------------

_APPHOST_HEADER = """\
<?xml version="1.0" encoding="UTF-8"?>
<!--

    IIS configuration sections.

    For schema documentation, see
    %windir%\\system32\\inetsrv\\config\\schema\\IIS_schema.xml.
    
    Please make a backup of this file before making any changes to it.

-->

<configuration>

    <!--

        The <configSections> section controls the registration of sections.
        Section is the basic unit of deployment, locking, searching and
        containment for configuration settings.

        The recommended way to unlock sections is by using a location tag:
        <location path="Default Web Site" overrideMode="Allow">
            <system.webServer>
                <asp />
            </system.webServer>
        </location>

    -->
    <configSections>
        <sectionGroup name="system.applicationHost">
            <section name="applicationPools" allowDefinition="AppHostOnly" overrideModeDefault="Deny" />
            <section name="customMetadata" allowDefinition="AppHostOnly" overrideModeDefault="Deny" />
            <section name="listenerAdapters" allowDefinition="AppHostOnly" overrideModeDefault="Deny" />
            <section name="log" allowDefinition="AppHostOnly" overrideModeDefault="Deny" />
            <section name="sites" allowDefinition="AppHostOnly" overrideModeDefault="Deny" />
            <section name="webLimits" allowDefinition="AppHostOnly" overrideModeDefault="Deny" />
        </sectionGroup>
        <sectionGroup name="system.webServer">
            <section name="defaultDocument" overrideModeDefault="Allow" />
            <section name="directoryBrowse" overrideModeDefault="Allow" />
            <sectionGroup name="security">
                <section name="access" overrideModeDefault="Deny" />
                <sectionGroup name="authentication">
                    <section name="anonymousAuthentication" overrideModeDefault="Deny" />
                    <section name="basicAuthentication" overrideModeDefault="Deny" />
                    <section name="windowsAuthentication" overrideModeDefault="Deny" />
                </sectionGroup>
            </sectionGroup>
        </sectionGroup>
    </configSections>

    <configProtectedData>
        <providers>
            <add name="IISWASOnlyRsaProvider" type="" description="Uses RsaCryptoServiceProvider to encrypt and decrypt" keyContainerName="iisWasKey" cspProviderName="" useMachineContainer="true" useOAEP="false" />
            <add name="AesProvider" type="Microsoft.ApplicationHost.AesProtectedConfigurationProvider" description="Uses an AES session key to encrypt and decrypt" keyContainerName="iisConfigurationKey" cspProviderName="" useOAEP="false" useMachineContainer="true" sessionKey="AQIAAA5mAAAApAAA{session}" />
            <add name="IISWASOnlyAesProvider" type="Microsoft.ApplicationHost.AesProtectedConfigurationProvider" description="Uses an AES session key to encrypt and decrypt" keyContainerName="iisWasKey" cspProviderName="" useOAEP="false" useMachineContainer="true" sessionKey="AQIAAA5mAAAApAAA{was_session}" />
        </providers>
    </configProtectedData>

    <system.applicationHost>

        <applicationPools>
"""

_APPHOST_POOLS_END = """\
            <applicationPoolDefaults managedRuntimeVersion="v4.0">
                <processModel identityType="ApplicationPoolIdentity" loadUserProfile="true" setProfileEnvironment="false" />
            </applicationPoolDefaults>
        </applicationPools>

        <!--

          The <customMetadata> section is used internally by the Admin Base Objects
          (ABO) Compatibility component. Please do not modify its content.

        -->
        <customMetadata>
            <key path="LM/W3SVC/INFO">
                <property id="4012" dataType="String" userType="1" attributes="Inherit" value="NCSA Common Log File Format,Microsoft IIS Log File Format,W3C Extended Log File Format,ODBC Logging" />
                <property id="2120" dataType="MultiSZ" userType="1" attributes="None" value="400,0,,,0&#xA;" />
            </key>
"""

_APPHOST_SITES_START = """\
        </customMetadata>

        <listenerAdapters>
            <add name="http" />
            <add name="net.tcp" identity="S-1-5-80-3579033775-2824656752-1522793541-1960352512-462907086" />
        </listenerAdapters>

        <log>
            <centralBinaryLogFile enabled="true" directory="%SystemDrive%\\inetpub\\logs\\LogFiles" />
            <centralW3CLogFile enabled="true" directory="%SystemDrive%\\inetpub\\logs\\LogFiles" />
        </log>

        <sites>
"""

_APPHOST_SITES_END = """\
            <siteDefaults>
                <logFile logFormat="W3C" directory="%SystemDrive%\\inetpub\\logs\\LogFiles" />
                <traceFailedRequestsLogging directory="%SystemDrive%\\inetpub\\logs\\FailedReqLogFiles" />
            </siteDefaults>
            <applicationDefaults applicationPool="DefaultAppPool" />
            <virtualDirectoryDefaults allowSubDirConfig="true" />
        </sites>

        <webLimits />

    </system.applicationHost>

    <system.webServer>

        <defaultDocument enabled="true">
            <files>
                <add value="Default.htm" />
                <add value="index.html" />
                <add value="default.aspx" />
            </files>
        </defaultDocument>

        <directoryBrowse enabled="false" />

        <security>
            <access sslFlags="None" />
            <authentication>
                <anonymousAuthentication enabled="true" userName="IUSR" />
                <basicAuthentication />
                <windowsAuthentication />
            </authentication>
        </security>

    </system.webServer>
    <location path="" overrideMode="Allow">
        <system.webServer>
            <modules>
                <add name="DefaultDocumentModule" lockItem="true" />
                <add name="StaticFileModule" lockItem="true" />
            </modules>
        </system.webServer>
    </location>
"""


def _apphost_site_ids(count: int, rng: random.Random) -> list[int]:
    """Mostly increasing ids with gaps (deleted sites), a few hashed ones as IIS Manager makes."""
    ids: list[int] = []
    used: set[int] = set()
    next_id = 1
    for _ in range(count):
        if ids and rng.random() < 0.02:
            candidate = rng.randrange(100_000_000, 2_147_483_647)
            while candidate in used:
                candidate = rng.randrange(100_000_000, 2_147_483_647)
        else:
            next_id += rng.choice((0, 0, 0, 1, 2)) if ids else 0
            candidate = next_id
            next_id += 1
        used.add(candidate)
        ids.append(candidate)
    return ids


def _apphost_site(rng: random.Random, name: str, site_id: int, enc: Callable[[], str]) -> str:
    """One ``<site>`` element at the indentation IIS gives it."""
    i3, i4, i5, i6 = " " * 12, " " * 16, " " * 20, " " * 24
    auto = ""
    if rng.random() >= 0.3:
        auto = f' serverAutoStart="{"false" if rng.random() < 0.1 else "true"}"'
    lines = [f'{i3}<site name="{name}" id="{site_id}"{auto}>']
    lines.append(f'{i4}<application path="/" applicationPool="{name}">')
    lines.append(f'{i5}<virtualDirectory path="/" physicalPath="D:\\Sites\\{name}\\wwwroot" />')
    if rng.random() < 0.25:
        lines.append(
            f'{i5}<virtualDirectory path="/media" physicalPath="\\\\fs01\\media\\{name}" '
            f'userName="HOST\\media" password="{enc()}" />'
        )
    lines.append(f"{i4}</application>")
    for app in rng.sample(("/api", "/blog", "/shop", "/admin"), rng.choice((0, 0, 1, 1, 2))):
        lines.append(
            f'{i4}<application path="{app}" applicationPool="{name}{app.replace("/", " ")}"'
            ' enabledProtocols="http">'
        )
        lines.append(
            f'{i5}<virtualDirectory path="/" physicalPath="D:\\Sites\\{name}{app.replace("/", chr(92))}" />'
        )
        lines.append(f"{i4}</application>")
    lines.append(f"{i4}<bindings>")
    lines.append(f'{i5}<binding protocol="http" bindingInformation="*:80:{name}" />')
    lines.append(f'{i5}<binding protocol="http" bindingInformation="*:80:www.{name}" />')
    roll = rng.random()
    if roll < 0.4:
        flags = rng.choice(("1", "1", "1", "3", "65"))
        lines.append(
            f'{i5}<binding protocol="https" bindingInformation="*:443:{name}" sslFlags="{flags}" />'
        )
    elif roll < 0.5:
        lines.append(f'{i5}<binding protocol="https" bindingInformation="{_ip(rng)}:443:" />')
    if rng.random() < 0.05:
        lines.append(f'{i5}<binding protocol="net.tcp" bindingInformation="808:{name}" />')
    lines.append(f"{i4}</bindings>")
    if rng.random() < 0.3:
        lines.append(
            f'{i4}<limits maxBandwidth="{rng.choice((1048576, 4194304))}" '
            f'maxConnections="{rng.choice((100, 500, 1000))}" connectionTimeout="00:01:00" />'
        )
    if rng.random() < 0.5:
        lines.append(f'{i4}<logFile directory="D:\\Logs\\{name}" />')
    else:
        lines.append(f"{i4}<logFile>")
        lines.append(f"{i5}<customFields>")
        lines.append(
            f'{i6}<add logFieldName="X-Forwarded-For" sourceName="X-Forwarded-For" '
            'sourceType="RequestHeader" />'
        )
        lines.append(f"{i5}</customFields>")
        lines.append(f"{i4}</logFile>")
    if rng.random() < 0.2:
        lines.append(
            f'{i4}<traceFailedRequestsLogging enabled="true" directory="D:\\Logs\\{name}\\FREB" />'
        )
    lines.append(f"{i3}</site>")
    return "\n".join(lines) + "\n"


def _apphost_location(rng: random.Random, name: str) -> str:
    roll = rng.random()
    body: list[str]
    if roll < 0.5:
        body = [
            "        <system.webServer>",
            "            <security>",
            "                <authentication>",
            '                    <anonymousAuthentication enabled="true" />',
            '                    <basicAuthentication enabled="false" />',
            "                </authentication>",
            "            </security>",
            "        </system.webServer>",
        ]
    elif roll < 0.8:
        body = [
            "        <system.webServer>",
            '            <handlers accessPolicy="Read, Script">',
            "                <clear />",
            f'                <add name="PHP-{name}" path="*.php" verb="GET,HEAD,POST" '
            'modules="FastCgiModule" scriptProcessor="C:\\PHP\\php-cgi.exe|-d host='
            f'{name}" resourceType="Either" />',
            '                <add name="StaticFile" path="*" verb="*" '
            'modules="StaticFileModule,DefaultDocumentModule" resourceType="Either" '
            'requireAccess="Read" />',
            "            </handlers>",
            "        </system.webServer>",
        ]
    else:
        body = [
            "        <system.webServer>",
            "            <security>",
            '                <access sslFlags="Ssl, SslNegotiateCert" />',
            "            </security>",
            "        </system.webServer>",
        ]
    head = f'    <location path="{name}"'
    head += ' overrideMode="Allow">' if rng.random() < 0.2 else ">"
    return "\n".join([head, *body, "    </location>"]) + "\n"


def _apphost_metadata(rng: random.Random, name: str, site_id: int) -> str:
    lines = [
        f'            <key path="LM/W3SVC/{site_id}">',
        '                <property id="2102" dataType="String" userType="100" '
        f'attributes="Inherit" value="{name}" />',
    ]
    if rng.random() < 0.5:
        lines.append(
            '                <property id="6022" dataType="DWord" userType="2" '
            'attributes="Inherit" value="0" />'
        )
    lines.append("            </key>")
    return "\n".join(lines) + "\n"


def iter_apphost(sites: int, seed: int = 0) -> Iterator[str]:
    """The text of an applicationHost.config with ``sites`` sites, in pieces, LF line ends."""
    rng = random.Random(seed)
    names = site_names(sites, rng)
    ids = _apphost_site_ids(sites, rng)

    def enc() -> str:
        return f"[enc:IISWASOnlyAesProvider:{_hex(rng, 24)}:enc]"

    yield _APPHOST_HEADER.replace("{session}", _hex(rng, 24)).replace(
        "{was_session}", _hex(rng, 24)
    )
    yield '            <add name="DefaultAppPool" />\n'
    for name in names:
        pipeline = ' managedPipelineMode="Classic"' if rng.random() < 0.1 else ""
        yield f'            <add name="{name}" managedRuntimeVersion="v4.0"{pipeline} />\n'
    yield _APPHOST_POOLS_END
    for name, site_id in zip(names, ids, strict=True):
        if rng.random() < 0.7:
            yield _apphost_metadata(rng, name, site_id)
    yield _APPHOST_SITES_START
    for name, site_id in zip(names, ids, strict=True):
        yield _apphost_site(rng, name, site_id, enc)
    yield _APPHOST_SITES_END
    for name in names:
        if rng.random() < 0.4:
            yield _apphost_location(rng, name)
    yield "\n</configuration>\n"


# ---------------------------------------------------------------------------------------------
# IIS 6: MetaBase.xml
# ---------------------------------------------------------------------------------------------

_SCRIPT_MAPS = (
    ".asp,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,5,GET,HEAD,POST,TRACE",
    ".cer,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,5,GET,HEAD,POST,TRACE",
    ".cdx,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,5,GET,HEAD,POST,TRACE",
    ".asa,C:\\WINDOWS\\system32\\inetsrv\\asp.dll,5,GET,HEAD,POST,TRACE",
    ".idc,C:\\WINDOWS\\system32\\inetsrv\\httpodbc.dll,5,GET,POST",
    ".shtm,C:\\WINDOWS\\system32\\inetsrv\\ssinc.dll,5,GET,POST",
    ".aspx,C:\\WINDOWS\\Microsoft.NET\\Framework\\v2.0.50727\\aspnet_isapi.dll,1,GET,HEAD,POST,DEBUG",
    ".php,C:\\PHP\\php5isapi.dll,5,GET,HEAD,POST",
)


def _multisz(entries: Sequence[str]) -> str:
    """A MULTISZ value as IIS writes it: one entry per line, continuation lines three tabs in."""
    return "\n\t\t\t".join(entries)


def _key(element: str, location: str, properties: Sequence[tuple[str, str]]) -> str:
    lines = [f'<{element}\tLocation ="{location}"']
    lines.extend(f'\t\t{name}="{value}"' for name, value in sorted(properties))
    lines.append("\t>")
    lines.append(f"</{element}>")
    return "\n".join(lines) + "\n"


def _secure(rng: random.Random) -> str:
    return "49634462" + _hex(rng, 40)


def _metabase_site_ids(count: int, rng: random.Random) -> list[int]:
    """Default Web Site is 1; IIS 6 hashes the other ids from the site name."""
    ids = [1]
    used = {1}
    while len(ids) < count:
        candidate = rng.randrange(2, 2_147_483_647)
        if candidate not in used:
            used.add(candidate)
            ids.append(candidate)
    return ids


def _metabase_site(rng: random.Random, name: str, site_id: int) -> str:
    base = f"/LM/W3SVC/{site_id}"
    default_site = site_id == 1
    hosts = [":80:"] if default_site else [f":80:{name}", f":80:www.{name}"]
    if rng.random() < 0.2:
        hosts.append(f"{_ip(rng)}:80:{'' if default_site else name}")
    own_pool = not default_site and rng.random() < 0.5
    props = [
        ("AppPoolId", name if own_pool else "DefaultAppPool"),
        ("ServerAutoStart", "TRUE" if rng.random() < 0.9 else "FALSE"),
        ("ServerBindings", _multisz(hosts)),
        ("ServerComment", name),
    ]
    if rng.random() < 0.3:
        props.extend(
            [
                ("SSLCertHash", _hex(rng, 20)),
                ("SSLStoreName", "MY"),
                (
                    "SecureBindings",
                    f":443:{name}"
                    if rng.random() < 0.5 and not default_site
                    else f"{_ip(rng)}:443:",
                ),
            ]
        )
    if rng.random() < 0.5 and not default_site:
        props.append(("LogFileDirectory", f"D:\\Logs\\{name}"))
    parts = [_key("IIsWebServer", base, props)]
    parts.append(
        _key(
            "IIsFilters",
            f"{base}/filters" if rng.random() < 0.5 else f"{base}/Filters",
            [("AdminACL", _secure(rng))],
        )
    )
    if rng.random() < 0.3:
        parts.append(_key("IIsCertMapper", f"{base}/IIsCertMapper", []))
    root, app_root = ("root", "Root") if rng.random() < 0.6 else ("ROOT", "ROOT")
    root_props = [
        ("AccessFlags", "AccessRead | AccessScript"),
        ("AppFriendlyName", "Default Application"),
        ("AppIsolated", "2"),
        ("AppRoot", f"{base}/{app_root}"),
        ("AuthFlags", "AuthAnonymous | AuthNTLM"),
        ("Path", f"D:\\Sites\\{name}\\wwwroot"),
    ]
    if rng.random() < 0.3:
        root_props.append(("ScriptMaps", _multisz(rng.sample(_SCRIPT_MAPS, rng.randint(3, 8)))))
    if rng.random() < 0.2:
        root_props.append(("UNCPassword", _secure(rng)))
    parts.append(_key("IIsWebVirtualDir", f"{base}/{root}", root_props))
    if rng.random() < 0.3:
        parts.append(
            _key(
                "IIsWebDirectory",
                f"{base}/{root}/aspnet_client",
                [("AccessFlags", "AccessRead"), ("DirBrowseFlags", "0")],
            )
        )
    for app in rng.sample(("api", "blog", "shop"), rng.choice((0, 0, 1, 2))):
        parts.append(
            _key(
                "IIsWebVirtualDir",
                f"{base}/{root}/{app}",
                [
                    ("AccessFlags", "AccessRead | AccessScript"),
                    ("AppFriendlyName", app),
                    ("AppIsolated", "2"),
                    ("AppPoolId", name),
                    ("AppRoot", f"{base}/{app_root}/{app}"),
                    ("Path", f"D:\\Sites\\{name}\\{app}"),
                ],
            )
        )
        if rng.random() < 0.5:
            parts.append(
                _key(
                    "IIsWebDirectory",
                    f"{base}/{root}/{app}/images",
                    [("AccessFlags", "AccessRead")],
                )
            )
    return "".join(parts)


_METABASE_HEAD = """\
<?xml version ="1.0"?>
<configuration xmlns="urn:microsoft-catalog:XML_Metabase_V64_0">
<MBProperty>
<IIS_Global\tLocation ="."
\t\tBINSchemaTimeStamp="ba0cc15a0ececb01"
\t\tChangeNumber="{change}"
\t\tHistoryMajorVersionNumber="70"
\t\tSessionKey="49634b62{session}"
\t\tXMLSchemaTimeStamp="146fc35a0ececb01"
\t>
</IIS_Global>
<IIS_ROOT\tLocation ="/"
\t\tAdminACL="{acl}"
\t>
</IIS_ROOT>
<IIsComputer\tLocation ="/LM"
\t\tEnableEditWhileRunning="0"
\t\tEnableHistory="1"
\t\tMaxBandwidth="4294967295"
\t\tMaxHistoryFiles="10"
\t>
</IIsComputer>
<IIsConfigObject\tLocation ="/LM/IISADMIN/PROPERTYREGISTRATION"
\t>
\t<Custom
\t\tName="MD_METADATA_ID_REGISTRATION"
\t\tID="1030"
\t\tValue="0-65535;Microsoft Reserved
\t\t\t65536-524288;Microsoft IIS Admin Objects Reserved"
\t\tType="MULTISZ"
\t\tUserType="IIS_MD_UT_SERVER"
\t\tAttributes="INHERIT"
\t/>
</IIsConfigObject>
"""


def iter_metabase(sites: int, seed: int = 0) -> Iterator[str]:
    """The text of a MetaBase.xml with ``sites`` web sites, in pieces, LF line ends."""
    rng = random.Random(seed)
    names = ["Default Web Site", *site_names(max(sites - 1, 0), rng)][:sites]
    ids = _metabase_site_ids(sites, rng)
    yield (
        _METABASE_HEAD.replace("{change}", str(rng.randrange(100, 100_000)))
        .replace("{session}", _hex(rng, 60))
        .replace("{acl}", _secure(rng))
    )
    yield _key(
        "IIsWebService",
        "/LM/W3SVC",
        [
            ("AllowKeepAlive", "TRUE"),
            ("AnonymousUserName", "IUSR_WEB01"),
            ("AnonymousUserPass", _secure(rng)),
            ("AppPoolId", "DefaultAppPool"),
            ("ScriptMaps", _multisz(_SCRIPT_MAPS)),
            ("ServerComment", ""),
        ],
    )
    # Keys are written in tree order with siblings sorted by name: the numeric site ids sort
    # as strings, before AppPools, Filters and Info.
    order = sorted(range(sites), key=lambda i: str(ids[i]))
    for index in order:
        yield _metabase_site(rng, names[index], ids[index])
    yield _key(
        "IIsApplicationPools",
        "/LM/W3SVC/AppPools",
        [("AppPoolIdentityType", "2"), ("IdleTimeout", "20")],
    )
    pools = sorted({"DefaultAppPool", *names[1:]}, key=str.casefold)
    for pool in pools:
        yield _key(
            "IIsApplicationPool",
            f"/LM/W3SVC/AppPools/{pool}",
            [("AppPoolAutoStart", "TRUE"), ("PeriodicRestartTime", "1740")],
        )
    yield _key("IIsFilters", "/LM/W3SVC/Filters", [("FilterLoadOrder", "Compression,URLSCAN")])
    yield _key(
        "IIsFilter",
        "/LM/W3SVC/Filters/URLSCAN",
        [
            ("FilterDescription", "URLScan 2.5 Filter"),
            ("FilterPath", "C:\\WINDOWS\\system32\\inetsrv\\urlscan\\urlscan.dll"),
        ],
    )
    yield _key("IIsWebInfo", "/LM/W3SVC/Info", [("ServerConfigFlags", "0")])
    yield "</MBProperty>\n</configuration>\n"


# ---------------------------------------------------------------------------------------------


def generate(file_format: str, sites: int, seed: int = 0) -> bytes:
    """The bytes of a generated file: ``file_format`` is ``"iis6"`` or ``"iis7"``."""
    if sites < 1:
        raise ValueError("a generated file needs at least one site")
    if file_format == "iis7":
        # IIS writes CRLF; the pieces are built with LF and converted once.
        return "".join(iter_apphost(sites, seed)).replace("\n", "\r\n").encode("utf-8")
    if file_format == "iis6":
        return b"\xef\xbb\xbf" + "".join(iter_metabase(sites, seed)).encode("utf-8")
    raise ValueError(f"unknown format {file_format!r}; expected one of {', '.join(FORMATS)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--format", choices=FORMATS, required=True)
    parser.add_argument("--sites", type=int, required=True, help="number of sites")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", required=True, help="file to write ('-' for stdout)")
    args = parser.parse_args(argv)
    if args.sites < 1:
        parser.error("--sites must be at least 1")
    data = generate(args.format, args.sites, args.seed)
    if args.output == "-":
        sys.stdout.buffer.write(data)
    else:
        Path(args.output).write_bytes(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Options several commands share, and each command's --help with its examples."""

from __future__ import annotations

import argparse
import functools
from typing import TypeAlias

#: Where subcommands are added (``parser.add_subparsers()``).
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

# The library's choices and defaults that the parser shows, written here so that building the
# parser imports no library code; tests/cli/test_startup.py checks that each matches its source.
#: :class:`metaclone.workflow.report.OutputFormat`'s values, the default first.
REPORT_FORMATS = ("text", "json", "sarif", "github")
#: :data:`metaclone.certs.request.KEY_TYPES` and ``DEFAULT_KEY_TYPE``.
KEY_TYPES = ("rsa2048", "rsa3072", "rsa4096", "ec256", "ec384")
DEFAULT_KEY_TYPE = "rsa2048"
#: :data:`metaclone.workflow.audit.DEFAULT_WARN_DAYS`.
DEFAULT_WARN_DAYS = 30
#: Shells ``metaclone completion`` writes a script for.
COMPLETION_SHELLS = ("bash", "zsh", "powershell")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter that keeps descriptions and epilogs as written, asking the terminal
    its width only when it formats a help or usage text.

    argparse makes a formatter for every option it adds (to check the option's metavar), and
    each asks the terminal its width, which imports :mod:`shutil`: a command that prints no
    help pays for neither.
    """

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        self._layout_asked = (indent_increment, max_help_position, width)
        # Any width will do here: the properties below answer with the one asked for.
        super().__init__(prog, indent_increment, max_help_position, width=0)

    @functools.cached_property
    def _layout(self) -> tuple[int, int]:
        """The text width and the widest indent of help, set as argparse itself sets them."""
        indent_increment, max_help_position, width = self._layout_asked
        plain = argparse.RawDescriptionHelpFormatter(
            self._prog, indent_increment, max_help_position, width
        )
        return plain._width, plain._max_help_position

    @property
    def _width(self) -> int:
        return self._layout[0]

    @_width.setter
    def _width(self, _: int) -> None:
        """argparse's own setting from the width it was given, which :attr:`_layout` replaces."""

    @property
    def _max_help_position(self) -> int:
        return self._layout[1]

    @_max_help_position.setter
    def _max_help_position(self, _: int) -> None:
        """As :attr:`_width`'s."""


def add_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", metavar="FILE", help="MetaBase.xml, applicationHost.config or appcmd XML"
    )


def add_sslcert(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sslcert",
        metavar="NETSH_OUTPUT",
        help="output of 'netsh http show sslcert' saved to a file (IIS 7+)",
    )


def add_write_options(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="OUT", help="write the result to OUT (atomic)")
    where.add_argument(
        "--in-place", action="store_true", help="replace FILE (atomic); keeps FILE.bak"
    )
    where.add_argument("--diff", action="store_true", help="print a unified diff instead")
    where.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
    parser.add_argument(
        "--no-backup", action="store_true", help="with --in-place: keep no FILE.bak"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also show informational notes"
    )


def add_plan_options(parser: argparse.ArgumentParser) -> None:
    """The options of a command that may change certificates: a plan, netsh input, output."""
    parser.add_argument("--plan", metavar="PLAN", help="write the HTTP.sys plan here (IIS 7+)")
    add_sslcert(parser)
    add_write_options(parser)


def site_id(text: str) -> int:
    # Imported when an id is given: the parser of every command is built without it.
    from metaclone.model.sites import MOST_DIGITS

    # ASCII digits only: int() also takes "1_000", "+7", " 7" and other scripts' digits, which
    # no IIS file or tool writes as an id.
    if not (text.isascii() and text.isdigit() and len(text) <= MOST_DIGITS):
        raise argparse.ArgumentTypeError(f"{text!r} is not a site id (a whole number)")
    return int(text)


def add_certificate_source(parser: argparse.ArgumentParser, *, required: bool) -> None:
    source = parser.add_mutually_exclusive_group(required=required)
    source.add_argument("--thumbprint", metavar="HEX", help="SHA-1 thumbprint of the certificate")
    source.add_argument("--cert", metavar="PATH", help="certificate file: PEM, DER, PFX or P7B")
    parser.add_argument("--password-env", metavar="VAR", help="PFX password from this variable")
    parser.add_argument("--password-file", metavar="F", help="PFX password from this file")
    add_certificate_allowances(parser)
    parser.add_argument("--store", default="MY", help="certificate store name (default MY)")


def add_certificate_allowances(parser: argparse.ArgumentParser) -> None:
    """The options that accept a certificate IIS would serve but a check refuses."""
    parser.add_argument(
        "--allow-expired", action="store_true", help="accept an expired or not yet valid cert"
    )
    parser.add_argument(
        "--allow-any-eku",
        action="store_true",
        help="accept a certificate whose extended key usage lacks server authentication",
    )


def days(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days")
    return int(text)


def add_password_source(
    parser: argparse.ArgumentParser, *, required: bool, what: str = "PFX password"
) -> None:
    source = parser.add_mutually_exclusive_group(required=required)
    source.add_argument("--password-env", metavar="VAR", help=f"{what} from this variable")
    source.add_argument("--password-file", metavar="F", help=f"{what} from this file")


#: Two or three real command lines for each command's --help, by the command's words.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "": (
        "metaclone sites MetaBase.xml",
        "metaclone placeholder begin applicationHost.config --site Shop --sslcert sslcert.txt "
        "-o new.config",
        "metaclone COMMAND --help",
    ),
    "sites": (
        "metaclone sites MetaBase.xml",
        "metaclone sites applicationHost.config --sslcert sslcert.txt --json",
        "metaclone sites MetaBase.xml Shop 98004751 --applications",
    ),
    "clone": (
        'metaclone clone MetaBase.xml --site Shop --name "Shop staging" -o new.xml',
        "metaclone clone applicationHost.config --site 2 --bindings https/*:8443:shop.example.com "
        "--started --diff",
    ),
    "delete": (
        'metaclone delete applicationHost.config --site "Shop (placeholder)" --in-place',
        "metaclone delete MetaBase.xml --site 1962875482 --diff",
    ),
    "start": (
        "metaclone start MetaBase.xml --site Shop --in-place",
        "metaclone start applicationHost.config --site 2 --diff",
    ),
    "stop": (
        "metaclone stop MetaBase.xml --site Shop --in-place",
        "metaclone stop appcmd_sites.xml --site shop-api -o stopped.xml",
    ),
    "rename": (
        'metaclone rename applicationHost.config --site 3 --name "Shop archive" --in-place',
        'metaclone rename MetaBase.xml --site Shop --name "Shop (old)" --diff',
    ),
    "cert": (
        "metaclone cert show applicationHost.config --sslcert sslcert.txt",
        "metaclone cert set MetaBase.xml --site Shop --cert shop-2026.pfx --password-env PFX_PASS "
        "--in-place",
    ),
    "cert show": (
        "metaclone cert show MetaBase.xml",
        "metaclone cert show applicationHost.config --site Shop --sslcert sslcert.txt --json",
    ),
    "cert set": (
        "metaclone cert set MetaBase.xml --site Shop --cert shop-2026.cer -o new.xml",
        "metaclone cert set applicationHost.config --site Shop --cert shop-2026.pfx "
        "--password-file pass.txt --sslcert sslcert.txt --plan set.ps1",
    ),
    "cert swap": (
        'metaclone cert swap MetaBase.xml --site Shop --with "Shop (placeholder)" --in-place',
        "metaclone cert swap applicationHost.config --site 2 --with 3 --sslcert sslcert.txt "
        "--plan swap.cmd",
    ),
    "cert audit": (
        "metaclone cert audit MetaBase.xml --certs certs/",
        "metaclone cert audit applicationHost.config --sslcert sslcert.txt --certs certs/ "
        "--password-env PFX_PASS --warn-days 45 --json",
    ),
    "cert pack": (
        "metaclone cert pack --key shop.key --cert shop.crt --chain ca.crt --out shop.pfx "
        "--password-env PFX_PASS --site Shop --config MetaBase.xml",
        "metaclone cert pack --key shop.key --cert fullchain.pem --out shop.pfx "
        "--password-file pass.txt --legacy-encryption",
    ),
    "csr": (
        "metaclone csr MetaBase.xml --site Shop --add-host www.shop.example.com "
        "--key-out shop.key --out shop.csr",
        "metaclone csr applicationHost.config --site 2 --key-type ec256 "
        '--subject "CN=shop.example.com,O=Example,C=US" --key-out shop.key --out shop.csr',
    ),
    "placeholder": (
        "metaclone placeholder begin MetaBase.xml --site Shop -o MetaBase.placeholder.xml",
        "metaclone placeholder finish MetaBase.placeholder.xml --site Shop --placeholder "
        '"Shop (placeholder)" --cert shop-2026.cer --delete -o MetaBase.done.xml',
    ),
    "placeholder begin": (
        "metaclone placeholder begin MetaBase.xml --site Contrib --from MetaBase_history.xml "
        "-o new.xml",
        "metaclone placeholder begin applicationHost.config --site Shop --sslcert sslcert.txt "
        "-o new.config",
        "metaclone placeholder begin sites.xml --site shop-api --thumbprint "
        "40da7e6686d698efae7172220f4da438025dfeea --only-new -o placeholder.xml",
    ),
    "placeholder finish": (
        "metaclone placeholder finish MetaBase.placeholder.xml --site Shop --placeholder "
        '"Shop (placeholder)" --cert shop-2026.pfx --password-env PFX_PASS --delete -o done.xml',
        "metaclone placeholder finish applicationHost.config --site Shop --placeholder "
        '"Shop (placeholder)" --cert shop-2026.pfx --password-env PFX_PASS --sslcert sslcert.txt '
        "--plan finish.cmd --in-place",
    ),
    "check": (
        "metaclone check MetaBase.xml",
        "metaclone check applicationHost.config --sslcert sslcert.txt --json",
        "metaclone check servers/ --format sarif > metaclone.sarif",
    ),
    "diff": (
        "metaclone diff applicationHost.config applicationHost.new.config",
        "metaclone diff web1/applicationHost.config web2/applicationHost.config "
        "web3/applicationHost.config --format github",
        "metaclone diff old.config new.config --sslcert sslcert.old.txt sslcert.new.txt --json",
    ),
    "convert": (
        "metaclone convert MetaBase.xml --site Shop --into applicationHost.config --diff",
        'metaclone convert MetaBase.xml --site Shop --name "Shop (IIS 6)" --strict '
        "--into applicationHost.config --in-place",
        "metaclone convert MetaBase.xml --site 1 --site ftp/1 --into applicationHost.config "
        "--sslcert sslcert.txt --plan sites.cmd -o new.config",
    ),
}


def epilog(words: str) -> str:
    return "examples:\n" + "".join(f"  {line}\n" for line in EXAMPLES[words])


def add_command(
    commands: Commands,
    words: str,
    text: str,
    *,
    group: bool = False,
    description: str | None = None,
) -> argparse.ArgumentParser:
    """A subcommand whose --help ends with its examples (``words``: e.g. ``cert set``).

    ``text`` is its line in the list of commands and, unless a longer ``description`` is
    given, the sentence its own --help starts with.  A ``group`` (``cert``, ``placeholder``)
    only holds subcommands, which take the options.
    """
    command = commands.add_parser(
        words.rsplit(maxsplit=1)[-1],
        help=text,
        description=description or text[0].upper() + text[1:] + ".",
        epilog=epilog(words),
        formatter_class=HelpFormatter,
    )
    if not group:
        add_quiet(command)
    return command


def add_quiet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="say only warnings, errors and what to do next (not what was done)",
    )


def add_report_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=list(REPORT_FORMATS),
        default=REPORT_FORMATS[0],
        help="text (default), json, sarif (SARIF 2.1.0) or github (workflow commands)",
    )
    parser.add_argument(
        "--json", dest="format", action="store_const", const="json", help="--format json"
    )

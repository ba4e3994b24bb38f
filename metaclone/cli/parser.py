"""The ``metaclone`` argument parser: every command, in the order --help lists them."""

from __future__ import annotations

import argparse

from metaclone.__about__ import __version__
from metaclone.cli import certs, completion, convert, placeholder, review, sites
from metaclone.cli.options import epilog


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="metaclone",
        description="Clone IIS sites and swap their certificates in configuration files,\n"
        "offline, changing only the bytes that must change.",
        epilog=epilog(""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sites.register(commands)
    certs.register(commands)
    placeholder.register(commands)
    convert.register(commands)
    completion.register(commands)
    review.register(commands)
    return parser

"""``completion``: the shell script that completes metaclone's commands and options."""

from __future__ import annotations

import argparse

from metaclone.cli.console import EXIT_OK, Console


def cmd_completion(args: argparse.Namespace, console: Console) -> int:
    from argcomplete.shell_integration import shellcode

    console.out_data(shellcode(["metaclone"], shell=args.shell))
    return EXIT_OK

"""``completion``: the shell script that completes metaclone's commands and options."""

from __future__ import annotations

import argparse

from metaclone.cli.console import EXIT_OK, Console
from metaclone.cli.options import Commands

#: Shells ``metaclone completion`` writes a script for.
COMPLETION_SHELLS = ("bash", "zsh", "powershell")


def cmd_completion(args: argparse.Namespace, console: Console) -> int:
    from argcomplete.shell_integration import shellcode

    console.out_data(shellcode(["metaclone"], shell=args.shell))
    return EXIT_OK


def register(commands: Commands) -> None:
    completion = commands.add_parser(
        "completion",
        help="print a shell completion script",
        description="Print the script that makes the shell complete metaclone's commands and "
        "options. Load it from your shell's start-up file.",
        epilog="examples:\n"
        '  bash:        eval "$(metaclone completion bash)"            (in ~/.bashrc)\n'
        '  zsh:         eval "$(metaclone completion zsh)"             (in ~/.zshrc)\n'
        "  PowerShell:  metaclone completion powershell | Out-String | Invoke-Expression"
        "   (in $PROFILE)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    completion.add_argument("shell", choices=COMPLETION_SHELLS)
    completion.set_defaults(handler=cmd_completion)

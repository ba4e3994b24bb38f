"""Where each command's time goes: every command that ``bench.py --cli`` times, run once under
cProfile in a fresh process on the same generated file, with the share of its profiled time
spent loading the file (start-up excluded: reading, decoding, the well-formedness check, telling
the format) and the functions with the most time of their own.

    python benchmarks/profile_commands.py --format iis7 --sites 50000
    python benchmarks/profile_commands.py --format iis6 --top 4 --python /tmp/venv/bin/python

cProfile slows the Python code it watches far more than the C code that code calls (lxml,
regular expressions, string searches), so read the shares, not the seconds: the timed figures
are ``bench.py --cli``'s.
"""

from __future__ import annotations

import argparse
import pstats
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import FORMATS, generated_file  # noqa: E402 - the benchmarks are scripts
from commands import _PLACEHOLDER, BASELINES, _ask, command_lines  # noqa: E402

#: The function whose cumulative time is the load: :func:`metaclone.loader.load`.
_LOAD = ("metaclone/loader.py", "load")


def _function_name(key: tuple[str, int, str]) -> str:
    filename, _, name = key
    if "metaclone/" in filename:
        return f"{filename.rpartition('metaclone/')[2]}:{name}"
    return name if filename == "~" else f"{Path(filename).name}:{name}"


def profile_command(argv: list[str], python: str, out: Path, cwd: Path) -> pstats.Stats:
    """The profile of one run of ``argv`` (``python -m metaclone ...``)."""
    profiled = [python, "-m", "cProfile", "-o", str(out), *argv[1:]]
    subprocess.run(profiled, cwd=cwd, check=False, capture_output=True)
    return pstats.Stats(str(out))


def summary(stats: pstats.Stats, top: int) -> tuple[float, float, list[tuple[str, float]]]:
    """The profiled total, the load's share of it, and the ``top`` functions by their own
    time with their shares."""
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in entries.values())
    load = max(
        (
            entry[3]
            for key, entry in entries.items()
            if key[0].endswith(_LOAD[0]) and key[2] == _LOAD[1]
        ),
        default=0.0,
    )
    ranked = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)[:top]
    shares = [(_function_name(key), entry[2] / total) for key, entry in ranked]
    return total, load / total if total else 0.0, shares


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--format", choices=FORMATS, default="iis7")
    parser.add_argument("--sites", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--top", type=int, default=3, help="functions shown per command")
    parser.add_argument("--python", default=sys.executable, help="the interpreter to run")
    args = parser.parse_args(argv)
    path = generated_file(args.format, args.sites, args.seed)
    print(f"{args.format}, {args.sites} sites, {path.stat().st_size / 1e6:.1f} MB, {args.python}")
    print("\n| command | profiled s | load | functions with the most own time (share) |")
    print("|---|---:|---:|---|")
    with tempfile.TemporaryDirectory(prefix="metaclone-profile-") as folder:
        scratch = Path(folder)
        for name, (template, _) in command_lines(path, scratch).items():
            if name in BASELINES:
                continue
            command = [args.python if part == "{python}" else part for part in template]
            if name == "stop --in-place":
                (scratch / f"inplace{path.suffix}").write_bytes(path.read_bytes())
            if name == "placeholder finish -o":
                secure = command[command.index("--site") + 1]
                placeholder = _ask(_PLACEHOLDER, str(scratch / f"begun{path.suffix}"), secure)
                command = [placeholder if part == "{placeholder}" else part for part in command]
            stats = profile_command(command, args.python, scratch / "profile.out", scratch)
            total, load, shares = summary(stats, args.top)
            where = ", ".join(f"`{function}` {share:.0%}" for function, share in shares)
            print(f"| {name} | {total:.2f} | {load:.0%} | {where} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

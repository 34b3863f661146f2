"""``eeg-emotion streams``: list the LSL streams visible now.

For each stream: name, type, channel count, rate and source id, which are
what ``eeg-emotion live --stream`` matches (name, then type, then source id).
"""

from __future__ import annotations

import argparse

from eeg_emotion.checks import check_seconds
from eeg_emotion.commands.command import Command


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``eeg-emotion streams``."""
    parser.add_argument("--wait", type=float, default=1.5, metavar="S",
                        help="seconds to listen for streams (default 1.5)")


def run(args: argparse.Namespace) -> int:
    """Print the visible streams as a table; exit 0 (also when there are none)."""
    # the command boundary: liblsl loads here
    from eeg_emotion.lsl_streams import format_table, visible_streams

    check_seconds("--wait", args.wait, 2)
    streams = visible_streams(args.wait)
    if not streams:
        print(f"no LSL streams visible within {args.wait:g} s")
        print("start one (e.g. `eeg-emotion replay FILE`, the OpenBCI GUI's LSL widget), "
              "or listen longer with --wait 5")
        return 0
    print(format_table(streams))
    print(f"{len(streams)} stream(s); use one with `eeg-emotion live --stream NAME` "
          "(a name, type or source id from this table)")
    return 0


COMMAND = Command(
    "streams", "list the LSL streams visible now", add_arguments, run)

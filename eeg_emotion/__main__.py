"""``python -m eeg_emotion``: the ``eeg-emotion`` command.

torchrun starts a module, not a console script: ``torchrun --nproc-per-node 2 -m
eeg_emotion train --config ...`` runs ``eeg-emotion train`` in every rank.
"""

from __future__ import annotations

import sys

from eeg_emotion.cli import main

if __name__ == "__main__":
    sys.exit(main())

"""Make and open the source that :class:`~eeg_emotion.realtime.options.SourceOptions` names.

``live`` and ``calibrate`` read the same sources: an LSL stream (``--stream``) or a
BrainFlow board (``--board``), with the same montage and timeout options.
"""

from __future__ import annotations

import logging

from eeg_emotion.errors import StreamError
from eeg_emotion.realtime.options import SourceOptions
from eeg_emotion.realtime.sources.brainflow_source import BrainFlowSource
from eeg_emotion.realtime.sources.lsl_source import LSLSource
from eeg_emotion.realtime.sources.source import Source

log = logging.getLogger(__name__)


def make_source(opts: SourceOptions) -> Source:
    """The LSL or BrainFlow source named by ``opts`` (not yet opened).

    Raises
    ------
    StreamError
        Neither a stream nor a board is named.
    """
    if opts.board:
        return BrainFlowSource(opts.board, serial_port=opts.serial_port, file=opts.file,
                               master_board=opts.master_board, montage=opts.montage,
                               params=opts.board_params)
    if not opts.stream:
        raise StreamError("no source was given",
                          "add --stream NAME (LSL; `eeg-emotion streams` lists them) or "
                          "--board cyton --serial-port /dev/ttyUSB0 (BrainFlow)")
    return LSLSource(opts.stream, montage=opts.montage)


def open_source(opts: SourceOptions) -> Source:
    """Make the source and open it (an LSL stream is waited for up to ``opts.timeout``).

    Returns
    -------
    Source
        Opened; the caller closes it.

    Raises
    ------
    StreamError
        The stream did not appear, or the board could not be prepared.
    """
    source = make_source(opts)
    source.open(timeout=opts.timeout)
    return source

"""OpenBCI and other BrainFlow boards as a live :class:`~.source.Source`.

The board streams into BrainFlow's own ring buffer; :meth:`BrainFlowSource.read`
drains it with ``get_board_data()`` (which removes what it returns), so each
sample reaches the engine exactly once. EEG rows come from
``BoardShim.get_eeg_channels``; BrainFlow's UNIX timestamps are moved to the LSL
clock (``pylsl.local_clock()``) with an offset measured at open and refreshed
every few seconds, so BrainFlow and LSL sources share one time base.

Every BrainFlow board with EEG is offered by its BrainFlow name
(:data:`eeg_emotion.boards.BOARDS`: ``muse-2``, ``muse-s``, ``unicorn``, ``crown``,
``ganglion``, ``cyton``, ``explore-8-chan``, ``enophone``...); any
``BrainFlowInputParams`` field can be set (``params``: ``mac_address``,
``serial_number``, ``ip_address``, ``timeout``...). Channel names come from the
board's BrainFlow descriptor. Only the synthetic and playback boards run without
hardware. BrainFlow's streaming board needs multicast and is deliberately not offered.
"""

from __future__ import annotations

import logging
import time
import warnings
from pathlib import Path
from types import ModuleType

import numpy as np

from eeg_emotion.boards import BOARDS, INPUT_PARAMS, SERIAL_BOARDS, board_name
from eeg_emotion.errors import ConfigError, StreamError
from eeg_emotion.lsl import import_pylsl
from eeg_emotion.montages import MONTAGES, montage_label, resolve_montage
from eeg_emotion.realtime.sources.source import Chunk, Source, SourceInfo, SourceLost

log = logging.getLogger(__name__)

#: Boards whose package counter steps by one per sample (wrapping at 256).
_COUNTER_BOARDS = ("cyton", "synthetic")

_PORT_FIX = ("check the dongle is plugged in and the port name, e.g. /dev/ttyUSB0 (Linux), "
             "/dev/cu.usbserial-* (macOS) or COM3 (Windows); close other programs using it "
             "(OpenBCI GUI)")


def import_brainflow() -> ModuleType:
    """Import ``brainflow.board_shim`` quietly.

    BrainFlow imports ``pkg_resources`` when it first loads its library, which
    warns that the API is deprecated; that warning is filtered here, and the
    board logger is switched off (errors come back as exceptions instead).

    Returns
    -------
    module
        ``brainflow.board_shim`` (``BoardShim``, ``BrainFlowInputParams``,
        ``BoardIds``, ``BrainFlowError``).

    Raises
    ------
    StreamError
        If BrainFlow or its native library cannot be loaded.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated",
                                category=UserWarning)
        try:
            from brainflow import board_shim

            board_shim.BoardControllerDLL.get_instance()  # loads the library (and pkg_resources)
        except (ImportError, OSError) as exc:
            raise StreamError(f"BrainFlow could not be loaded: {exc}",
                              "reinstall it with `pip install --force-reinstall brainflow`"
                              ) from exc
    board_shim.BoardShim.disable_board_logger()
    return board_shim


def _clock_offset(pylsl: ModuleType) -> float:
    """``local_clock() - time.time()``, bracketed to halve the read-out error."""
    a = pylsl.local_clock()
    wall = time.time()
    b = pylsl.local_clock()
    return 0.5 * (a + b) - wall


class BrainFlowSource(Source):
    """A BrainFlow board read as chunks of EEG in microvolts on the LSL clock.

    Parameters
    ----------
    board : str
        The board to open, by its BrainFlow name (:data:`eeg_emotion.boards.BOARDS`).
    serial_port : str | None
        Serial port of the dongle (cyton, cyton-daisy, ganglion), e.g. ``/dev/ttyUSB0``.
    file : str | pathlib.Path | None
        For ``playback``: a file written by BrainFlow (``DataFilter.write_file``).
    master_board : str | None
        For ``playback``: the board that recorded the file (default ``synthetic``).
    params : sequence of (str, str)
        Further ``BrainFlowInputParams`` fields (``mac_address``, ``serial_number``,
        ``ip_address``, ``timeout``...), as ``--board-param KEY=VALUE`` gives them.
    montage : str | sequence of str | None
        Channel names to use instead of the board's (a montage name such as
        ``cyton`` or a comma-separated list); default the board's own names,
        else the montage named like the board, else ``EEG1, EEG2, ...``.
    timeout : int
        Seconds BrainFlow waits for a board to answer while preparing the session.
    stall_timeout : float
        Seconds without any sample after which :meth:`read` raises
        :class:`~eeg_emotion.realtime.sources.source.SourceLost`.
    clock_refresh_s : float
        How often the UNIX-to-LSL clock offset is measured again.
    """

    def __init__(self, board: str = "synthetic", serial_port: str | None = None,
                 file: str | Path | None = None, master_board: str | None = None,
                 montage: str | list[str] | tuple[str, ...] | None = None, *,
                 params: tuple[tuple[str, str], ...] | list[tuple[str, str]] = (),
                 timeout: int = 5, stall_timeout: float = 3.0,
                 clock_refresh_s: float = 10.0) -> None:
        try:
            key = board_name(board)
        except ConfigError as exc:
            raise StreamError(exc.problem, exc.fix) from None
        self.params = {k: v for k, v in params}
        unknown = sorted(set(self.params) - set(INPUT_PARAMS))
        if unknown:
            raise StreamError(f"unknown BrainFlow input parameter(s) {', '.join(unknown)}",
                              f"use one of {', '.join(INPUT_PARAMS)}")
        serial_port = serial_port or self.params.get("serial_port")
        if key in SERIAL_BOARDS and not serial_port:
            raise StreamError(f"the {key} board needs a serial port",
                              f"pass --serial-port; {_PORT_FIX}")
        if key == "playback":
            if file is None:
                raise StreamError("the playback board needs a file",
                                  "pass --file with a file written by BrainFlow")
            try:
                master = board_name(master_board or "synthetic")
            except ConfigError:
                master = "playback"
            if master == "playback":
                raise StreamError(f"unknown master board {master_board!r} for playback",
                                  f"use one of {', '.join(b for b in BOARDS if b != 'playback')}")
        else:
            master = None
        self.board = key
        self.serial_port = serial_port
        self.file = Path(file) if file is not None else None
        self.master_board = master
        self.montage = montage
        self.timeout = int(timeout)
        self.stall_timeout = float(stall_timeout)
        self.clock_refresh_s = float(clock_refresh_s)
        self._bf: ModuleType | None = None
        self._pylsl: ModuleType | None = None
        self._shim = None
        self._offset = 0.0
        self._offset_at = -np.inf
        self._last_data = 0.0
        self._eeg_rows: np.ndarray | None = None
        self._ts_row = 0
        self._pkg_row = 0
        self._last_pkg: float | None = None
        #: Samples the board's package counter says were lost on the way (radio drops).
        self.samples_lost = 0
        #: Package counters of the last chunk returned by :meth:`read`.
        self.last_package_numbers = np.empty(0)
        self.info = SourceInfo(name=key, kind="brainflow", channels=(), sfreq=0.0)

    # -- session ----------------------------------------------------------------------------

    def _board_id(self, name: str) -> int:
        return int(getattr(self._bf.BoardIds, BOARDS[name]).value)

    def _channel_names(self, data_board: int, n: int) -> tuple[tuple[str, ...], str]:
        """The EEG channel names and a note on where they came from."""
        bf = self._bf
        if self.montage is not None:
            names = resolve_montage(self.montage)
            if len(names) != n:
                raise StreamError(f"montage {self.montage!r} has {len(names)} channels but the "
                                  f"{self.board} board delivers {n} EEG channels",
                                  f"give {n} channel names, e.g. --montage "
                                  f"{','.join(f'EEG{i + 1}' for i in range(min(n, 3)))},...")
            return tuple(names), f"channel names from --montage {self.montage}"
        data_name = self.master_board or self.board
        try:
            names = list(bf.BoardShim.get_eeg_names(data_board))
        except bf.BrainFlowError:
            names = []
        if len(names) == n:
            default = " (OpenBCI's default placement)" if data_name.startswith("cyton") else ""
            return tuple(names), (f"channel names from BrainFlow's description of the "
                                  f"{data_name} board{default}: {', '.join(names)}; pass "
                                  "--montage if your electrodes sit elsewhere")
        if data_name in MONTAGES and len(MONTAGES[data_name]) == n:
            return MONTAGES[data_name], f"montage {data_name} assumed for the {data_name} board"
        if data_name == "ganglion":
            raise StreamError("the Ganglion board does not name its 4 channels, and OpenBCI "
                              "documents no default placement for it",
                              "pass the 4 positions of your electrodes in channel order, e.g. "
                              "--montage Fp1,Fp2,O1,O2")
        return tuple(f"EEG{i + 1}" for i in range(n)), ""

    def _params(self):
        bf = self._bf
        params = bf.BrainFlowInputParams()
        if self.serial_port:
            params.serial_port = self.serial_port
        params.timeout = self.timeout
        if self.board == "playback":
            params.file = str(self.file)
            params.master_board = self._board_id(self.master_board)
        for key, value in self.params.items():  # --board-param KEY=VALUE
            if key == "master_board" and not value.lstrip("-").isdigit():
                setattr(params, key, self._board_id(board_name(value)))
            else:
                setattr(params, key, INPUT_PARAMS[key](value))
        return params

    def _start_session(self) -> None:
        bf = self._bf
        if self.board == "playback" and not self.file.is_file():
            raise StreamError(f"playback file {self.file} does not exist",
                              "pass --file with a file written by BrainFlow "
                              "(DataFilter.write_file or the OpenBCI GUI's BrainFlow format)")
        shim = bf.BoardShim(self._board_id(self.board), self._params())
        try:
            shim.prepare_session()
            shim.start_stream(45000)
        except bf.BrainFlowError as exc:
            try:
                if shim.is_prepared():
                    shim.release_session()
            except bf.BrainFlowError:
                pass
            raise self._open_error(exc) from exc
        self._shim = shim
        self._last_pkg = None
        self._refresh_offset(force=True)
        self._last_data = time.monotonic()

    def _open_error(self, exc: Exception) -> StreamError:
        codes = self._bf.BrainFlowExitCodes
        code = getattr(exc, "exit_code", None)
        where = f" on {self.serial_port}" if self.serial_port else ""
        if code in (codes.UNABLE_TO_OPEN_PORT_ERROR.value, codes.SER_PORT_ERROR.value,
                    codes.PORT_ALREADY_OPEN_ERROR.value,
                    codes.ANOTHER_BOARD_IS_CREATED_ERROR.value):
            return StreamError(f"could not open the serial port{where} for the {self.board} "
                               f"board ({exc})", _PORT_FIX)
        if code in (codes.BOARD_NOT_READY_ERROR.value, codes.BOARD_NOT_CREATED_ERROR.value,
                    codes.SYNC_TIMEOUT_ERROR.value, codes.INITIAL_MSG_ERROR.value):
            return StreamError(f"the {self.board} board did not answer{where} ({exc})",
                               "switch the board on (PC position), check the dongle's switch "
                               "and battery, then try again")
        if code == codes.INVALID_ARGUMENTS_ERROR.value and self.board == "playback":
            return StreamError(f"BrainFlow could not play {self.file} ({exc})",
                               "pass a file written by BrainFlow for the --master-board "
                               "that recorded it")
        return StreamError(f"could not open the {self.board} board{where}: {exc}",
                           "check the board and its connection; run `eeg-emotion doctor`")

    def open(self, timeout: float = 10.0) -> SourceInfo:
        """Prepare the BrainFlow session and start streaming.

        Parameters
        ----------
        timeout : float
            Unused beyond BrainFlow's own ``timeout`` (set in the constructor).

        Returns
        -------
        SourceInfo

        Raises
        ------
        StreamError
            If the port is missing or busy, the board does not answer, or the
            playback file is missing.
        """
        if self._shim is not None:
            return self.info
        self._bf = import_brainflow()
        self._pylsl = import_pylsl()
        bf = self._bf
        data_board = self._board_id(self.master_board or self.board)
        rows = np.asarray(bf.BoardShim.get_eeg_channels(data_board), dtype=np.intp)
        self._eeg_rows = rows
        self._ts_row = int(bf.BoardShim.get_timestamp_channel(data_board))
        self._pkg_row = int(bf.BoardShim.get_package_num_channel(data_board))
        sfreq = float(bf.BoardShim.get_sampling_rate(data_board))
        channels, note = self._channel_names(data_board, len(rows))
        self._start_session()
        source_id = f"brainflow-{self.board}-{self.serial_port or self.file or 'local'}"
        self.info = SourceInfo(name=self.board, kind="brainflow", channels=channels,
                               sfreq=sfreq, source_id=source_id, units="microvolts",
                               montage=montage_label(channels), montage_note=note,
                               synthetic=self.board == "synthetic")
        log.info("BrainFlow %s board open: %d EEG channels at %g Hz", self.board,
                 len(channels), sfreq)
        return self.info

    def _refresh_offset(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._offset_at >= self.clock_refresh_s:
            self._offset = _clock_offset(self._pylsl)
            self._offset_at = now

    # -- reading ----------------------------------------------------------------------------

    def read(self, timeout: float = 0.1) -> Chunk | None:
        """Return every sample that arrived since the last call.

        Parameters
        ----------
        timeout : float
            Seconds to wait for the first sample.

        Returns
        -------
        Chunk | None
            EEG rows in microvolts, timestamps on the LSL clock; None if nothing
            arrived within ``timeout``.

        Raises
        ------
        SourceLost
            If the board delivered nothing for ``stall_timeout`` seconds or
            BrainFlow reports an error.
        """
        if self._shim is None:
            raise SourceLost(f"the {self.board} board is not open",
                             "open the source (or reopen it) before reading")
        bf = self._bf
        deadline = time.monotonic() + max(0.0, timeout)
        poll = min(0.02, max(0.002, 2.0 / max(self.info.sfreq, 1.0)))
        while True:
            try:
                count = self._shim.get_board_data_count()
                data = self._shim.get_board_data() if count > 0 else None
            except bf.BrainFlowError as exc:
                raise SourceLost(f"the {self.board} board stopped: {exc}",
                                 "check the board's power and connection") from exc
            now = time.monotonic()
            if data is not None and data.shape[1] > 0:
                self._last_data = now
                break
            if now - self._last_data > self.stall_timeout:
                raise SourceLost(
                    f"the {self.board} board sent nothing for {now - self._last_data:.1f} s",
                    "check the board's power, battery and dongle; it reconnects by itself")
            if now >= deadline:
                return None
            time.sleep(min(poll, deadline - now))
        self._refresh_offset()
        self._count_lost(data[self._pkg_row])
        eeg = data[self._eeg_rows]
        stamps = data[self._ts_row] + self._offset
        return Chunk(data=eeg, timestamps=stamps)

    def _count_lost(self, counters: np.ndarray) -> None:
        """Count samples missing from BrainFlow's package counter (wraps at 256)."""
        self.last_package_numbers = counters
        if (self.master_board or self.board) not in _COUNTER_BOARDS:
            return
        seq = counters if self._last_pkg is None else np.concatenate(([self._last_pkg],
                                                                     counters))
        lost = int(((np.diff(seq) - 1) % 256).sum())
        self._last_pkg = float(counters[-1])
        if lost:
            self.samples_lost += lost
            log.warning("%s board: %d samples lost in transmission (%d in all)", self.board,
                        lost, self.samples_lost)

    # -- lifecycle --------------------------------------------------------------------------

    def reopen(self, timeout: float = 1.0) -> bool:
        """Release and prepare the session again; True when streaming resumed."""
        self._release()
        try:
            self._start_session()
        except StreamError as exc:
            log.info("reopening the %s board failed: %s", self.board, exc.problem)
            return False
        log.info("%s board reopened", self.board)
        return True

    def _release(self) -> None:
        shim, self._shim = self._shim, None
        if shim is None:
            return
        bf = self._bf
        for step in (shim.stop_stream, shim.release_session):
            try:
                step()
            except bf.BrainFlowError as exc:
                log.debug("BrainFlow %s: %s", step.__name__, exc)

    def close(self) -> None:
        """Stop streaming and release the board. Safe to call twice."""
        if self._shim is not None:
            self._release()
            log.info("%s board closed", self.board)

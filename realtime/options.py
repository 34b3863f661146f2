"""Typed options of the live commands: where the stream comes from, how a run shows it.

The commands (``eeg_emotion/commands/``) build these from their command line; the
real-time package reads only these, never ``argparse`` results.

- :class:`SourceOptions`: an LSL stream or a BrainFlow board (``live``,
  ``calibrate``);
- :class:`RunOptions`: how an engine runs and where its estimates go (``live``,
  ``demo``);
- :class:`LiveOptions` and :class:`DemoOptions`: the two commands' whole options.

Each class checks what can be checked before a stream is waited for
(:meth:`RunOptions.check`, :meth:`SourceOptions.check`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from eeg_emotion.checks import check_range, check_seconds
from eeg_emotion.errors import ConfigError
from eeg_emotion.threads import check_threads

#: seconds to wait for an LSL stream to appear, by default
DEFAULT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class SourceOptions:
    """An LSL stream or a BrainFlow board, as ``--stream`` / ``--board`` name it.

    Attributes
    ----------
    stream : str | None
        LSL stream name, type or source id (``OpenBCI`` for the OpenBCI GUI).
    board : str | None
        BrainFlow board name.
    serial_port : str | None
        Serial port of a board's dongle.
    file : str | None
        BrainFlow file for the playback board.
    master_board : str | None
        The board that recorded ``file``.
    montage : str | None
        Channel names: a known montage or names in stream order.
    timeout : float
        Seconds to wait for an LSL stream to appear.
    board_params : tuple of (str, str)
        ``BrainFlowInputParams`` fields for the board (``--board-param KEY=VALUE``:
        ``mac_address``, ``serial_number``, ``ip_address``, ``timeout``...).
    """

    stream: str | None = None
    board: str | None = None
    serial_port: str | None = None
    file: str | None = None
    master_board: str | None = None
    montage: str | None = None
    timeout: float = DEFAULT_TIMEOUT_S
    board_params: tuple[tuple[str, str], ...] = ()

    @property
    def given(self) -> bool:
        """Whether a stream or board was named."""
        return bool(self.stream or self.board)

    def flags(self) -> list[str]:
        """The command-line options that name this source again, for printed commands.

        Returns
        -------
        list of str
            e.g. ``["--stream", "obci_eeg1", "--montage", "cyton"]``.
        """
        parts: list[str] = []
        for flag, value in (("--stream", self.stream), ("--board", self.board),
                            ("--serial-port", self.serial_port), ("--file", self.file),
                            ("--master-board", self.master_board),
                            ("--montage", self.montage)):
            if value:
                parts += [flag, str(value)]
        for key, value in self.board_params:
            parts += ["--board-param", f"{key}={value}"]
        return parts

    def check(self) -> None:
        """Refuse options that do not go together.

        Raises
        ------
        ConfigError
            ``--master-board`` without ``--board playback``; ``--board-param``
            without ``--board``; a ``--timeout`` that is not a positive number of seconds.
        """
        check_seconds("--timeout", self.timeout, f"{DEFAULT_TIMEOUT_S:g}",
                      leave_out=f"for {DEFAULT_TIMEOUT_S:g} s")
        if self.board != "playback" and self.master_board:
            raise ConfigError("--master-board is only for --board playback",
                              "drop --master-board, or add --board playback --file FILE")
        if self.board_params and not self.board:
            raise ConfigError("--board-param is for BrainFlow boards (--board)",
                              "drop --board-param, or add --board NAME")


@dataclass(frozen=True)
class RunOptions:
    """How an engine runs and where its estimates go (``live`` and ``demo``).

    Attributes
    ----------
    device : str
        ``auto``, ``cpu`` or ``cuda``.
    hop, window : float | None
        Seconds between estimates and window length (None: the model's).
    smoothing : float
        Exponential smoothing of the probabilities, 0 <= a < 1.
    notch : float | None
        Mains notch frequency (50 or 60 Hz).
    threads : int | None
        Torch CPU threads of the model (None: one for live inference).
    record : pathlib.Path | None
        Folder to record the raw stream, markers and estimates to.
    headless : bool
        JSON lines instead of the dashboard.
    duration : float | None
        Stop after this many seconds.
    output : pathlib.Path | None
        Headless: the JSON lines' file (None: stdout).
    append, overwrite : bool
        What to do with an existing ``output``.
    screenshot : pathlib.Path | None
        Dashboard: a PNG saved at the end of ``duration``.
    outlet : str | None
        LSL stream name of the estimates; None publishes none.
    osc : str | None
        ``HOST:PORT`` to send the estimates to as OSC.
    """

    device: str = "auto"
    hop: float | None = None
    window: float | None = None
    smoothing: float = 0.0
    notch: float | None = None
    threads: int | None = None
    record: Path | None = None
    headless: bool = False
    duration: float | None = None
    output: Path | None = None
    append: bool = False
    overwrite: bool = False
    screenshot: Path | None = None
    outlet: str | None = "eeg-emotion"
    osc: str | None = None

    def check(self) -> None:
        """Check the options before any stream is waited for.

        Raises
        ------
        ConfigError
            ``--output`` without ``--headless``; an existing ``--output`` file without
            ``--append`` or ``--overwrite`` (or a folder); ``--append``/``--overwrite``
            without ``--output``; a ``--hop``, ``--window`` or ``--duration`` that is
            not a positive number of seconds; ``--smoothing`` outside [0, 1);
            ``--threads`` below 1.
        """
        if self.output and not self.headless:
            raise ConfigError("--output needs --headless", "add --headless, or drop --output")
        if (self.append or self.overwrite) and not self.output:
            flag = "--append" if self.append else "--overwrite"
            raise ConfigError(f"{flag} applies to --output FILE, which is not given",
                              f"add --output FILE, or drop {flag}")
        if self.output:
            out = Path(self.output).expanduser()
            if out.is_dir():
                raise ConfigError(f"--output {out} is a folder, expected a file",
                                  f"name a file, e.g. --output {out / 'estimates.jsonl'}")
            if out.exists() and not (self.append or self.overwrite):
                raise ConfigError(f"--output {out} already exists; it is not overwritten",
                                  "add --append to add this run's lines after its lines, "
                                  "--overwrite to replace it, or choose another file")
        check_seconds("--hop", self.hop, 0.5, leave_out="for the default")
        check_seconds("--window", self.window, 4, leave_out="for the model's window")
        check_seconds("--duration", self.duration, 60, leave_out="to run until Ctrl-C")
        check_range("--smoothing", self.smoothing, 0.7, low=0.0, high=1.0, high_open=True)
        check_threads(self.threads)


@dataclass(frozen=True)
class LiveOptions:
    """``eeg-emotion live``: a source, a model (or the models folder), a run.

    Attributes
    ----------
    source : SourceOptions
    run : RunOptions
    model : pathlib.Path | None
        A checkpoint; None ranks the models folder.
    models_dir : pathlib.Path | None
        Where default models are looked for (None: the cache's ``models/``).
    min_coverage : float | None
        Least share of a masked model's channels the stream must have.
    """

    source: SourceOptions = field(default_factory=SourceOptions)
    run: RunOptions = field(default_factory=RunOptions)
    model: Path | None = None
    models_dir: Path | None = None
    min_coverage: float | None = None

    def check(self) -> None:
        """Check the options of ``live`` itself (its source and run options are
        checked by their own ``check``).

        Raises
        ------
        ConfigError
            A ``--min-coverage`` outside (0, 1].
        """
        check_range("--min-coverage", self.min_coverage, 0.25, low=0.0, high=1.0,
                    low_open=True)


@dataclass(frozen=True)
class DemoOptions:
    """``eeg-emotion demo``: a run on the built-in stream and model.

    Attributes
    ----------
    run : RunOptions
    cache : pathlib.Path | None
        Where the demo recording and model are kept (None: the cache folder).
    """

    run: RunOptions = field(default_factory=RunOptions)
    cache: Path | None = None

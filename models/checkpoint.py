"""Checkpoints: one file per trained model, weights plus what the model needs to run.

File layout (``torch.save`` of plain containers, loaded with
``torch.load(weights_only=True)``, so loading never runs code from the file)::

    {"format": "eeg-emotion-checkpoint", "format_version": 2,
     "meta": "<JSON of CheckpointMeta>", "state_dict": {name: tensor}}

:class:`CheckpointMeta` carries the model's :class:`~eeg_emotion.contract.SignalContract`
(channels, rate, units, filter, windows, standardisation: ONE copy, what the live
engine rebuilds its pipeline from), the targets, and how the model was trained,
so the live path can refuse a stream that does not fit. Format 1 files (written
before the contract existed) are refused with a message saying to retrain.
"""

from __future__ import annotations

import json
import logging
import pickle
import warnings
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import torch

import eeg_emotion
from eeg_emotion.atomic import atomic_writer
from eeg_emotion.contract import ContractView, SignalContract
from eeg_emotion.errors import CheckpointError, EEGEmotionError
from eeg_emotion.models.base import EmotionModel
from eeg_emotion.models.registry import MODELS, build_model
from eeg_emotion.targets import Target

logger = logging.getLogger(__name__)

FORMAT = "eeg-emotion-checkpoint"
FORMAT_VERSION = 2

_RETRAIN = ("train the model again with this version: `eeg-emotion train --config CONFIG "
            "--data FOLDER` (CONFIG: the config it was trained with, e.g. deap_scalingnet; "
            "FOLDER: its dataset folder); `eeg-emotion demo` rebuilds its own model")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class CheckpointMeta(ContractView):
    """Everything besides the weights that a trained model needs to run.

    Parameters
    ----------
    model : str
        Registry name (``"scalingnet"``).
    hparams : dict
        Constructor keyword arguments (``model.hparams()``).
    signal : SignalContract
        What the model needs from the signal (the one copy of it).
    targets : list of Target
        One per head, in head order.
    training : dict
        Summary: protocol, folds, metrics, data description.
    synthetic : bool
        True when trained only on synthetic data (not for real use).
    tags : dict
        Facts for choosing a model live, e.g. a personal model's
        ``{"personal": true, "montage": "cyton", "beats_majority": false}``.
    version : str
        eeg-emotion version that wrote the file.
    created : str
        ISO 8601 UTC time of writing.
    """

    model: str
    hparams: dict[str, Any]
    signal: SignalContract
    targets: list[Target]
    training: dict[str, Any] = field(default_factory=dict)
    synthetic: bool = False
    tags: dict[str, Any] = field(default_factory=dict)
    version: str = eeg_emotion.__version__
    created: str = field(default_factory=_now)

    @property
    def contract(self) -> SignalContract:
        """The signal contract (:attr:`signal`), for :class:`ContractView`'s shorthands."""
        return self.signal

    # -- conversions -----------------------------------------------------------------------
    def to_json(self) -> str:
        """JSON text of the metadata."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["signal"] = self.signal.to_dict()
        data["targets"] = [t.to_dict() for t in self.targets]
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, source: str = "checkpoint") -> CheckpointMeta:
        """Parse and validate metadata JSON.

        Raises
        ------
        CheckpointError
            Naming ``source`` and the missing or malformed field.
        """
        try:
            data = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise CheckpointError(f"{source}: metadata is not valid JSON ({exc})",
                                  "the file is damaged; train or copy the model again") from exc
        if not isinstance(data, dict):
            raise CheckpointError(f"{source}: metadata is not a JSON object")
        names = {f.name for f in fields(cls)}
        required = {"model", "hparams", "signal", "targets"}
        missing = sorted(required - set(data))
        if missing:
            raise CheckpointError(f"{source}: metadata lacks {', '.join(missing)}",
                                  "the file was not written by eeg-emotion's save_checkpoint")
        extra = sorted(set(data) - names)
        if extra:
            logger.warning("%s: ignoring unknown metadata keys %s", source, extra)
        values = {k: v for k, v in data.items() if k in names}

        def bad(what: str, exc: Exception | None = None) -> CheckpointError:
            return CheckpointError(f"{source}: metadata field {what}"
                                   + (f" ({exc})" if exc else ""),
                                   "the file is damaged or was edited; " + _RETRAIN)
        try:
            values["signal"] = SignalContract.from_dict(values["signal"])
        except EEGEmotionError as exc:
            raise bad("signal is malformed", exc) from exc
        try:
            if not isinstance(values["targets"], list):
                raise TypeError("not a list")
            values["targets"] = [Target.from_dict(t) for t in values["targets"]]
        except (TypeError, KeyError, ValueError) as exc:
            raise bad("targets is malformed", exc) from exc
        meta = cls(**values)
        meta.validate(source)
        return meta

    def validate(self, source: str = "checkpoint") -> None:
        """Check types and values; raise CheckpointError naming ``source``."""
        def bad(what: str) -> CheckpointError:
            return CheckpointError(f"{source}: metadata field {what}",
                                   "the file is damaged or was edited; " + _RETRAIN)
        if not isinstance(self.model, str) or not self.model:
            raise bad(f"model={self.model!r} is not a name")
        if not isinstance(self.hparams, dict):
            raise bad("hparams is not a table")
        if not isinstance(self.signal, SignalContract):
            raise bad("signal is not a SignalContract")
        if not self.targets or not all(isinstance(t, Target) for t in self.targets):
            raise bad("targets is not a non-empty list of targets")
        if not isinstance(self.training, dict):
            raise bad("training is not a table")
        if not isinstance(self.synthetic, bool):
            raise bad(f"synthetic={self.synthetic!r} is not true/false")
        if not isinstance(self.tags, dict):
            raise bad("tags is not a table")




class LoadedModel(NamedTuple):
    """A model read from a checkpoint (in eval mode) and its metadata."""

    model: EmotionModel
    meta: CheckpointMeta


def save_checkpoint(path: str | Path, model: EmotionModel, meta: CheckpointMeta) -> Path:
    """Write a model and its metadata to one file.

    Parameters
    ----------
    path : str | Path
        Output file (``.pt``); parent folders are created.
    model : EmotionModel
        Trained model.
    meta : CheckpointMeta
        Its metadata; ``model``, ``hparams``, ``sfreq``, channel count and
        targets must agree with the model.

    Returns
    -------
    Path
        The written file.
    """
    path = Path(path)
    meta.validate(str(path))
    problems = []
    if meta.model != model.name:
        problems.append(f"meta.model={meta.model!r} but the model is {model.name!r}")
    if len(meta.channels) != model.n_channels:
        problems.append(f"{len(meta.channels)} channel names for a {model.n_channels}-channel "
                        "model")
    if abs(meta.sfreq - model.sfreq) > 1e-9:
        problems.append(f"meta.sfreq={meta.sfreq} but the model runs at {model.sfreq}")
    if list(model.targets) != list(meta.targets):
        problems.append("meta.targets differ from the model's targets")
    if json.loads(json.dumps(model.hparams())) != meta.hparams:
        problems.append("meta.hparams differ from model.hparams()")
    if problems:
        raise CheckpointError(f"refusing to write {path}: " + "; ".join(problems),
                              "build the metadata from the model (hparams=model.hparams(), "
                              "targets=list(model.targets))")
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_writer(path, "wb") as fh:
        torch.save({"format": FORMAT, "format_version": FORMAT_VERSION, "meta": meta.to_json(),
                    "state_dict": state}, fh)
    logger.info("saved %s checkpoint to %s", model.name, path)
    return path


def read_meta(path: str | Path) -> CheckpointMeta:
    """Read only the metadata of a checkpoint (validated, no model built)."""
    return _read(Path(path))[0]


def _read(path: Path) -> tuple[CheckpointMeta, dict[str, torch.Tensor]]:
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist or is not a file",
                              "give the path of a .pt file written by eeg-emotion train "
                              "(model.pt in its --out folder)")
    try:
        with warnings.catch_warnings():  # e.g. "pickle protocol 4" notes on foreign files
            warnings.simplefilter("ignore", UserWarning)
            blob = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "unsupported global" not in str(exc).lower():  # not objects: damaged / other
            raise CheckpointError(f"{path} is not a readable checkpoint (corrupt or another "
                                  "format)",
                                  "train the model again or copy the file again") from exc
        raise CheckpointError(
            f"{path} is not an eeg-emotion checkpoint: it holds objects other than plain "
            "data, which are refused for safety",
            "only load checkpoints written by eeg-emotion; never load files you do not "
            "trust") from exc
    except Exception as exc:  # torch raises all kinds of errors on damaged files
        raise CheckpointError(f"{path} is not a readable checkpoint (corrupt or another "
                              f"format: {exc.__class__.__name__})",
                              "train the model again or copy the file again") from exc
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not an eeg-emotion checkpoint (no format tag)",
                              "give a file written by eeg-emotion train (model.pt in its "
                              "--out folder)")
    version = blob.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise CheckpointError(f"{path} has no valid checkpoint format version ({version!r})",
                              "the file is damaged; " + _RETRAIN)
    if version > FORMAT_VERSION:
        raise CheckpointError(
            f"{path} has checkpoint format version {version}; this eeg-emotion "
            f"({eeg_emotion.__version__}) reads version {FORMAT_VERSION}",
            "upgrade eeg-emotion to load it")
    if version < FORMAT_VERSION:
        raise CheckpointError(
            f"{path} was written by an older eeg-emotion (checkpoint format {version}, "
            f"before the signal contract); this version reads format {FORMAT_VERSION} only",
            _RETRAIN)
    meta = CheckpointMeta.from_json(blob.get("meta"), str(path))
    state = blob.get("state_dict")
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor)
                                              for v in state.values()):
        raise CheckpointError(f"{path}: the weights are missing or malformed",
                              "train the model again")
    return meta, state


def load_checkpoint(path: str | Path, device: str | torch.device = "cpu") -> LoadedModel:
    """Load a model and its metadata.

    Parameters
    ----------
    path : str | Path
        Checkpoint file.
    device : str | torch.device
        Where to put the model.

    Returns
    -------
    LoadedModel
        ``model`` in eval mode on ``device``, and ``meta``.

    Raises
    ------
    CheckpointError
        Missing, corrupt or unsafe file; unknown model; weights that do not fit
        the architecture; a newer format version.
    """
    path = Path(path)
    meta, state = _read(path)
    if meta.model not in MODELS:
        raise CheckpointError(f"{path} holds a {meta.model!r} model, unknown to this version",
                              f"known models: {', '.join(MODELS)}; upgrade eeg-emotion")
    try:
        model = build_model(meta.model, len(meta.channels), meta.sfreq, meta.targets,
                            **meta.hparams)
    except EEGEmotionError as exc:
        raise CheckpointError(f"{path}: cannot rebuild the {meta.model} model: {exc.problem}",
                              exc.fix) from exc
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    wrong = [k for k, v in state.items() if k in own and own[k].shape != v.shape]
    if missing or unexpected or wrong:
        raise CheckpointError(
            f"{path}: the weights do not fit the {meta.model} architecture "
            f"(missing {missing[:5]}, unexpected {unexpected[:5]}, wrong shape {wrong[:5]})",
            "the file is damaged or was written by an incompatible version; train again")
    model.load_state_dict(state)
    model.eval()
    try:
        model = model.to(device)
    except (RuntimeError, AssertionError, ValueError) as exc:
        raise CheckpointError(f"cannot put the model from {path} on device {device!r} ({exc})",
                              "use device 'cpu', or 'cuda' on a machine with a CUDA build of "
                              "torch and a GPU") from exc
    return LoadedModel(model, meta)

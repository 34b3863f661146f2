"""Check a config's model hyper-parameters before any data is loaded.

A misspelled hyper-parameter, or a value the network refuses (an even
``kernel_length``), used to surface only after preprocessing, when the first
network was built, by which time the run folder was already claimed for that
config. :func:`check_model_hparams` builds the configured network once on a
placeholder signal (the channel count of the config when it names channels,
else four DEAP channel names, 128 Hz, generic two-class targets), which raises the same
:class:`~eeg_emotion.errors.ConfigError` the real build would, in a fraction of
a second.
"""

from __future__ import annotations

from eeg_emotion.errors import ConfigError
from eeg_emotion.models import build_model
from eeg_emotion.models.registry import model_hparam_names
from eeg_emotion.montages import DEAP
from eeg_emotion.offline.train_config import TrainingConfig
from eeg_emotion.targets import Target

#: Channels of the placeholder signal when neither the config nor --channels names them.
PLACEHOLDER_CHANNELS = 4


def check_model_hparams(cfg: TrainingConfig, channels: list[str] | None = None,
                        where: str = "config") -> None:
    """Build the configured network once on a placeholder signal; raise what it raises.

    Parameters
    ----------
    cfg : TrainingConfig
        The validated config (every sweep value is checked by the caller).
    channels : list of str | None
        ``--channels``, when given.
    where : str
        The config's origin, for the message.

    Raises
    ------
    ConfigError
        Naming the config and the hyper-parameter (unknown name, bad value).
    """
    if cfg.model.name == "random_forest":
        return
    hp = dict(cfg.model.hparams)
    names = list(hp.get("channels") or channels or cfg.preprocess.channels
                 or DEAP[:PLACEHOLDER_CHANNELS])
    if "channels" in model_hparam_names(cfg.model.name):  # as the run passes the data's
        hp.setdefault("channels", names)
    targets = [Target(name, ("a", "b"), name) for name in cfg.protocol.targets]
    try:
        build_model(cfg.model.name, len(names), 128.0, targets, **hp)
    except ConfigError as exc:
        raise ConfigError(f"{where}: [model.hparams] of {cfg.model.name}: {exc.problem}",
                          exc.fix or "fix the value in the config") from exc

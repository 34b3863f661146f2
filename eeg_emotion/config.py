"""TOML configuration files, checked against dataclasses with clear errors.

A config section maps onto a dataclass: unknown keys, wrong types and bad
values are refused with the file, the key and what is allowed. Nested
dataclasses are nested tables. :func:`resolve_config` finds a ``--config`` given
as a path or as the name of a config shipped in :mod:`eeg_emotion.configs`.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from eeg_emotion.checks import check_finite
from eeg_emotion.errors import ConfigError

T = TypeVar("T")

#: The package whose ``*.toml`` files are the shipped configs.
CONFIG_PACKAGE = "eeg_emotion.configs"


def shipped_configs() -> list[str]:
    """Names (without ``.toml``) of the configs installed with eeg-emotion, sorted."""
    folder = resources.files(CONFIG_PACKAGE)
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir()
                  if p.name.endswith(".toml") and p.is_file())


def resolve_config(config: str | Path) -> Path:
    """The file a ``--config`` value names: a path, or a shipped config's name.

    Parameters
    ----------
    config : str | pathlib.Path
        An existing file is used as it is. Otherwise ``NAME``, ``NAME.toml`` or
        ``configs/NAME.toml`` names a config shipped in :mod:`eeg_emotion.configs`,
        so ``--config deap_scalingnet`` works from any folder, also from a wheel.

    Returns
    -------
    pathlib.Path
        The config file.

    Raises
    ------
    ConfigError
        If ``config`` is neither an existing file nor a shipped config's name (the
        message lists the shipped names).
    """
    given = Path(config).expanduser()
    if given.is_file():
        return given
    shipped = shipped_configs()
    name = given.name[: -len(".toml")] if given.name.endswith(".toml") else given.name
    bare = given.parent in (Path("."), Path("configs")) and given.suffix in ("", ".toml")
    if bare and name in shipped:
        resource = resources.files(CONFIG_PACKAGE).joinpath(f"{name}.toml")
        return Path(str(resource))  # package data is installed as files
    raise ConfigError(f"config {str(config)!r} is neither a file nor a shipped config",
                      f"pass the path of a TOML file, or one of the shipped configs: "
                      f"{', '.join(shipped)}")


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file.

    Raises
    ------
    ConfigError
        If the file is missing or not valid TOML.
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {p} does not exist",
                          "pass one of the files in configs/, e.g. configs/deap_scalingnet.toml")
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {p} is not valid TOML: {exc}") from exc


def from_dict(cls: type[T], data: dict[str, Any], where: str = "config") -> T:
    """Build dataclass ``cls`` from ``data``, refusing unknown keys and bad types.

    Parameters
    ----------
    cls : type
        A dataclass; its field annotations give the expected types.
    data : dict
        Values, e.g. one table of a TOML file.
    where : str
        Where the values come from, for error messages (``"train.toml [model]"``).

    Returns
    -------
    instance of ``cls``

    Raises
    ------
    ConfigError
        On an unknown key, a missing required key or a value of the wrong type.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must be a table, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}",
                          f"allowed keys: {', '.join(fields)}")
    kwargs = {}
    for name, value in data.items():
        default = fields[name].default
        example = default if isinstance(default, int | float) and not isinstance(
            default, bool) else None
        kwargs[name] = _coerce(value, hints[name], _key(where, name), example)
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def _key(where: str, name: str) -> str:
    """``FILE: table.key``: the file once, then the dotted key inside it."""
    return f"{where}.{name}" if ": " in where else f"{where}: {name}"


def _coerce(value: Any, tp: Any, where: str, example: float | None = None) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        errors: list[ConfigError] = []
        for arg in args:
            if arg is type(None):
                if value is None:
                    return None
                continue
            try:
                return _coerce(value, arg, where, example)
            except ConfigError as exc:
                errors.append(exc)
        if len(errors) == 1:  # ``float | None``: the float's own message says more
            raise errors[0]
        raise ConfigError(f"{where}: {value!r} does not fit {tp}")
    if origin is typing.Literal:
        if value not in args:
            raise ConfigError(f"{where}: {value!r} is not allowed",
                              f"use one of {', '.join(map(repr, args))}")
        return value
    if origin in (list, tuple):
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        inner = args[0] if args else Any
        items = [_coerce(v, inner, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        return dict(value)
    if dataclasses.is_dataclass(tp):
        return from_dict(tp, value, where)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return check_finite(where, value, f"{example:g} (its default)" if example is not None
                            else "a finite number, or leave the key out")
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp in (str, bool):
        if not isinstance(value, tp):
            raise ConfigError(f"{where}: expected {tp.__name__}, got {value!r}")
        return value
    return value

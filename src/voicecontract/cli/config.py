"""Defaults for ``voicecontract run``: ``[tool.voicecontract]`` in pyproject.toml, or voicecontract.toml.

The nearest directory upwards holding either file wins (voicecontract.toml first; there the keys
are top-level). Keys are the long options without their dashes' prefix (``base-url``,
``max-examples``, ``phases``, …); an option on the command line always wins. Bearer tokens never
come from a file that may be committed: a ``token`` key is refused with the reason.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Key:
    """One setting of ``voicecontract run``: its type(s) in TOML, what it is, and its built-in default."""

    kind: type | tuple[type, ...]
    what: str
    default: Any = None


# The settings a config file may give (the long options of `voicecontract run` without their dashes);
# paths are relative to the file that names them. The command line wins over the file, the file over the default.
KEYS: dict[str, Key] = {
    "base-url": Key(str, "the implementation to test"),
    "spec": Key(str, "another version of the contract (a file or REV:PATH)"),
    "fixtures": Key(str, "a fixtures file"),
    "max-examples": Key(int, "examples per operation", 10),
    "seed": Key(int, "the seed"),
    "workers": Key((int, str), "requests in flight, or auto", "auto"),
    "processes": Key((int, str), "worker processes for the generated phases, or auto", "auto"),
    "phases": Key((list, str), "phases to run"),
    "checks": Key((list, str), "checks to run"),
    "thorough": Key(bool, "every negative coverage case", False),
    "junit-xml": Key(str, "a JUnit report path"),
    "report": Key(str, "a JSON report path"),
    "summary-md": Key(str, "a Markdown summary path"),
    "html": Key(str, "an HTML report path"),
    "fail-under": Key((int, float), "a coverage threshold in percent"),
    "max-failures": Key(int, "stop after this many failures"),
    "consistency-window": Key(int, "milliseconds a read may lag", 0),
    "require-isolation": Key(bool, "refuse to run without a second token", False),
    "request-timeout": Key((int, float), "seconds per request", 30.0),
}
PATH_KEYS = {"fixtures", "junit-xml", "report", "summary-md", "html"}
FORBIDDEN = {"token", "second-token", "tokens", "bearer"}


class ConfigError(Exception):
    """The configuration file is unreadable or says something it may not."""


@dataclass(frozen=True)
class Config:
    """The settings found, and where."""

    path: Path | None
    values: dict[str, Any]


def find(start: Path | None = None) -> Path | None:
    """The nearest voicecontract.toml, or pyproject.toml with a [tool.voicecontract] table, upwards from ``start``."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / "voicecontract.toml"
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and "voicecontract" in _read(pyproject).get("tool", {}):
            return pyproject
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read it ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def load(start: Path | None = None) -> Config:
    """The run defaults of the project (empty when there is no configuration)."""
    path = find(start)
    if path is None:
        return Config(None, {})
    data = _read(path)
    table = data if path.name == "voicecontract.toml" else data.get("tool", {}).get("voicecontract", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.voicecontract] must be a table")
    forbidden = sorted(FORBIDDEN & set(table))
    if forbidden:
        raise ConfigError(
            f"{path}: `{forbidden[0]}` is refused: a bearer token in a file gets committed and leaks; "
            "pass --token or set VOICECONTRACT_TOKEN (and VOICECONTRACT_SECOND_TOKEN) in the environment"
        )
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)}; known: {', '.join(KEYS)}")
    values: dict[str, Any] = {}
    for key, value in table.items():
        kind, what = KEYS[key].kind, KEYS[key].what
        if isinstance(value, bool) and kind is not bool:
            raise ConfigError(f"{path}: `{key}` is {what}, not true/false")
        if not isinstance(value, kind):
            raise ConfigError(f"{path}: `{key}` is {what}; {type(value).__name__} given")
        if isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{path}: `{key}` is a list of names")
            value = ",".join(value)
        if key in PATH_KEYS:
            value = str((path.parent / value).resolve())
        values[key] = value
    return Config(path, values)

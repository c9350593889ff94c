"""Loading an OpenAPI document: a YAML/JSON file, a git revision of one, or the packaged copy."""

from __future__ import annotations

import json
import subprocess
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml


class SpecLoadError(Exception):
    """The spec file is missing or is not a YAML/JSON mapping."""


def parse_spec_text(text: str, label: str, *, json_only: bool = False) -> dict[str, Any]:
    """Parse the text of an OpenAPI document (YAML is a superset of JSON)."""
    try:
        if json_only:
            data = json.loads(text)
        else:
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            data = yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader
    except (ValueError, yaml.YAMLError) as exc:
        raise SpecLoadError(f"{label}: not valid YAML/JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SpecLoadError(f"{label}: the document is not a mapping")
    return data


def load_spec_file(path: str | Path) -> dict[str, Any]:
    """Read an OpenAPI document from a YAML or JSON file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecLoadError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecLoadError(f"{p}: cannot read ({exc.__class__.__name__}: {exc})") from None
    return parse_spec_text(text, str(p), json_only=p.suffix == ".json")


def load_spec(source: str | Path) -> dict[str, Any]:
    """Read a spec from a file, or from a git revision written ``REV:PATH`` (e.g. ``main:spec/openapi.yaml``)."""
    text = str(source)
    if not Path(text).exists() and ":" in text and not text.startswith(("/", ".")):
        rev, _, rel = text.partition(":")
        if rev and rel:
            try:
                proc = subprocess.run(  # noqa: S603 - git with fixed arguments
                    ["git", "show", f"{rev}:{rel}"],  # noqa: S607
                    capture_output=True,
                    text=True,
                    check=False,
                )
            except OSError as exc:
                raise SpecLoadError(f"{text}: cannot run git ({exc.strerror})") from None
            if proc.returncode != 0:
                raise SpecLoadError(f"{text}: not a file, and git cannot show it: {proc.stderr.strip()}")
            return parse_spec_text(proc.stdout, text, json_only=rel.endswith(".json"))
    return load_spec_file(text)


def repo_spec_path() -> Path | None:
    """Return spec/openapi.yaml of a source checkout, if this package runs from one."""
    candidate = Path(__file__).resolve().parents[3] / "spec" / "openapi.yaml"
    return candidate if candidate.is_file() else None


@lru_cache(maxsize=1)
def packaged_spec_bytes() -> bytes:
    """Return the packaged spec (generated/openapi.json) as bytes, as served at /openapi.json."""
    return (resources.files("voicecontract._generated") / "openapi.json").read_bytes()


@lru_cache(maxsize=1)
def packaged_spec() -> dict[str, Any]:
    """Return the packaged spec as a dict (shared; do not mutate)."""
    data = json.loads(packaged_spec_bytes())
    assert isinstance(data, dict)
    return data

"""voicecontract: the contract toolkit for the hosted voice-agent API.

The public API is re-exported here and imported lazily, so that ``voicecontract generate`` works
even when the generated models are stale or missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("voicecontract")  # one source: the package metadata (pyproject.toml)
except PackageNotFoundError:  # pragma: no cover - running from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = [
    "CredentialReport",
    "Issue",
    "PayloadError",
    "__version__",
    "check_credentials",
    "check_payload",
    "validate",
    "validate_credentials",
]

_LAZY = {
    "CredentialReport": "voicecontract.validators",
    "Issue": "voicecontract.errors",
    "PayloadError": "voicecontract.errors",
    "check_credentials": "voicecontract.validators",
    "check_payload": "voicecontract.validators",
    "validate": "voicecontract.validators",
    "validate_credentials": "voicecontract.validators",
}

if TYPE_CHECKING:  # pragma: no cover
    from voicecontract.errors import Issue, PayloadError
    from voicecontract.validators import (
        CredentialReport,
        check_credentials,
        check_payload,
        validate,
        validate_credentials,
    )


def __getattr__(name: str) -> Any:
    """Import public names on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'voicecontract' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

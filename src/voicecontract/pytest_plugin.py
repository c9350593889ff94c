"""pytest plugin (entry point ``pytest11``): run the voicecontract contract suite inside pytest.

Registered for every pytest run in an environment where voicecontract is installed; it does
nothing unless ``--voicecontract-url`` (or ``--voicecontract``) is given.
"""

from __future__ import annotations

from typing import Any


def pytest_addoption(parser: Any) -> None:
    """Add the --voicecontract-* options."""
    group = parser.getgroup("voicecontract", "voicecontract contract suite")
    group.addoption(
        "--voicecontract-url",
        default=None,
        help="base URL of the API implementation to test (enables the contract suite)",
    )
    group.addoption("--voicecontract-token", default=None, help="bearer token for the implementation")

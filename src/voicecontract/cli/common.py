"""What every sub-command shares: exit codes and where the spec is."""

from __future__ import annotations

from pathlib import Path

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def default_spec() -> str | None:
    """spec/openapi.yaml here, else the checkout's (None: use the packaged spec)."""
    root_spec = Path("spec/openapi.yaml")
    if root_spec.is_file():
        return str(root_spec)
    from voicecontract.spec import repo_spec_path

    found = repo_spec_path()
    return str(found) if found else None

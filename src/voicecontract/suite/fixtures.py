"""Fixtures: the data a contract run needs that only the target knows (``--fixtures FILE``).

The links phase sends realistic requests: it creates connections with working credentials, links
numbers the telephony account owns, fills a steering pool. Against a sandbox like the reference
server anything well-formed works, so the defaults generate it. Against a real service, give what
it accepts in a YAML file::

    # voicecontract fixtures (no bearer tokens here: those come from --token or the environment)
    credentials:                      # per connection type; types not listed use built-in recipes
      account_connection_twilio: {twilio_account_sid: AC…, twilio_auth_token: …}
    numbers:                          # E.164 numbers the target lets the suite link or pool
      - "+14155550123"
    fill_collections: false           # do not fill a steering pool to provoke its documented 429
    cleanup: true                     # cancel what the run bought (best effort)
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from voicecontract.suite.options import UsageError

E164_PREFIX = "+"
KNOWN_KEYS = {"credentials", "numbers", "fill_collections", "cleanup"}


@dataclass
class Fixtures:
    """Credentials and numbers for the links phase, from a file or generated for a sandbox."""

    credentials: dict[str, dict[str, Any]] = field(default_factory=dict)
    numbers: list[str] | None = None  # None: any fresh number works (a sandbox)
    fill_collections: bool = True
    cleanup: bool = True
    canary: str = ""
    seed: int = 0
    source: str = "built-in defaults (a sandbox such as the reference server)"
    _used: int = 0
    _rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)  # noqa: S311 - test data

    def credentials_for(self, tag: str, n: int = 0) -> dict[str, Any]:
        """Credentials for a connection type: from the file, else a recipe (or the spec) built at run time."""
        if tag in self.credentials:
            return dict(self.credentials[tag])
        from voicecontract.recipes import credentials

        return credentials(tag, seed=self._rng.randrange(10**6) + n, canary=self.canary)

    def fresh_number(self) -> str | None:
        """A number the target accepts to link or pool; None when the file's list is used up."""
        if self.numbers is None:
            return f"+1{self._rng.randint(200, 999)}{self._rng.randint(2, 9)}{self._rng.randint(0, 999999):06d}"
        if self._used >= len(self.numbers):
            return None
        self._used += 1
        return self.numbers[self._used - 1]

    def unknown_number(self) -> str:
        """A valid E.164 number no service holds: NANP reserves 555-0100…0199 for fiction."""
        return f"+1{self._rng.randint(201, 989)}55501{self._rng.randint(0, 99):02d}"


def load_fixtures(path: str | None, *, seed: int, canary: str = "") -> Fixtures:
    """Read a fixtures file (or the defaults); a UsageError names what is wrong with it."""
    if path is None:
        return Fixtures(seed=seed, canary=canary)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--fixtures {path}: cannot read it ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"--fixtures {path}: not valid YAML ({exc})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UsageError(f"--fixtures {path}: expected a mapping with keys {', '.join(sorted(KNOWN_KEYS))}")
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise UsageError(
            f"--fixtures {path}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_KEYS))}"
        )
    if any(k.lower() in ("token", "tokens", "bearer") for k in data):
        raise UsageError(f"--fixtures {path}: bearer tokens never go in a file; use --token or VOICECONTRACT_TOKEN")
    creds = data.get("credentials") or {}
    if not isinstance(creds, dict) or not all(isinstance(v, dict) for v in creds.values()):
        raise UsageError(f"--fixtures {path}: `credentials` maps a connection type to its credentials object")
    from voicecontract.spec import index

    unknown_types = sorted(t for t in creds if index().connection_type(t) is None)
    if unknown_types:
        raise UsageError(f"--fixtures {path}: unknown connection type(s) in `credentials`: {', '.join(unknown_types)}")
    numbers = data.get("numbers")
    if numbers is not None and (
        not isinstance(numbers, list) or not all(isinstance(n, str) and n.startswith(E164_PREFIX) for n in numbers)
    ):
        raise UsageError(f'--fixtures {path}: `numbers` is a list of E.164 strings such as "+14155550123"')
    flags = {}
    for key in ("fill_collections", "cleanup"):
        value = data.get(key, True)
        if not isinstance(value, bool):
            raise UsageError(f"--fixtures {path}: `{key}` is true or false")
        flags[key] = value
    full = {index().connection_type(t).tag: v for t, v in creds.items()}  # type: ignore[union-attr]
    return Fixtures(full, numbers, flags["fill_collections"], flags["cleanup"], canary, seed, source=path)

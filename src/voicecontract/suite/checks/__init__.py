"""voicecontract's checks: small named functions, run on every response of a run.

Each takes ``(run, response, case)`` and raises ``Violation`` (a schemathesis failure that carries
a JSON pointer) when the contract is broken. They are registered with schemathesis explicitly,
by ``register()``, when a run starts; nothing is registered on import. What each asserts, and the
spec text it rests on, is in the README's table of checks.

* ``writes``: write_applied, read_after_write; ``secrets``: no_secret_echo;
* ``tenancy``: tenant_isolation (and the page walk); ``errors``: error_body, page_consistency.
"""

from voicecontract.suite.checks import errors, secrets, tenancy, writes
from voicecontract.suite.checks.base import CHECKS, Violation, register, token_of
from voicecontract.suite.checks.tenancy import fetcher, walk_pages

__all__ = ["CHECKS", "Violation", "errors", "fetcher", "register", "secrets", "tenancy", "token_of", "walk_pages",
           "writes"]

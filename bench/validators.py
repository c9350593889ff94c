"""Credential validation throughput: voicecontract against the JSON Schema validators a user would pick.

Every validator checks the same realistic payload of each of the 16 connection types (built at run
time from voicecontract.recipes). The JSON Schema validators check the whole connection
``{type, credentials}`` against the spec's 16-way ``AccountConnectionParams`` union (validators
pre-built once); voicecontract is measured twice: ``validate_credentials(type, credentials)``
(model + provider rules) and ``validate("AccountConnectionParams", connection)`` (the union model
+ rules, what the reference server runs). All in one process, side by side; the ratios are the result.

Then the adversarial part: 1 MB values crafted against each field kind, timed through the whole
check, to show that no rule backtracks catastrophically. Last, the cold start a service pays: a
fresh interpreter importing the validators and checking one payload, beside importing the
alternatives (and schemathesis, which the core install no longer pulls in).

    python -m bench.validators [--quick]
"""

from __future__ import annotations

import statistics
import sys
import time
import timeit
from collections.abc import Callable
from typing import Any

import fastjsonschema
import jsonschema
import jsonschema_rs
from pydantic import TypeAdapter

from voicecontract import check_credentials, validate_credentials
from voicecontract.models import AccountConnectionParams
from voicecontract.recipes import connection_types, credentials, pem_envelope
from voicecontract.spec import packaged_spec
from voicecontract.validators import validate

QUICK = "--quick" in sys.argv


def per_call(fn: Callable[[], Any]) -> float:
    """Best-of-N time per call, in nanoseconds (each run lasts about 20-50 ms)."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()  # calls for >= 0.2 s
    number = max(1, number // (10 if QUICK else 4))
    runs = timer.repeat(number=number, repeat=3 if QUICK else 5)
    return min(runs) / number * 1e9


def main() -> None:
    spec = packaged_spec()
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": "#/components/schemas/AccountConnectionParams",
        "components": spec["components"],
    }
    rs = jsonschema_rs.validator_for(schema)
    js = jsonschema.Draft202012Validator(schema)
    fjs = fastjsonschema.compile(schema, formats={"password": ".*"})
    union = TypeAdapter(AccountConnectionParams)

    names = [
        "voicecontract creds",
        "voicecontract union",
        "pydantic union only",
        "jsonschema-rs",
        "fastjsonschema",
        "jsonschema",
    ]
    rows: dict[str, dict[str, float]] = {}
    for ctype in connection_types():
        creds = credentials(ctype)
        conn = {"type": "account_connection_" + ctype, "credentials": creds}
        assert rs.is_valid(conn) and js.is_valid(conn) and fjs(conn) is not None
        validate_credentials(ctype, creds)
        validate("AccountConnectionParams", conn)
        rows[ctype] = {
            "voicecontract creds": per_call(lambda c=creds, t=ctype: validate_credentials(t, c)),  # type: ignore[misc]
            "voicecontract union": per_call(lambda c=conn: validate("AccountConnectionParams", c)),  # type: ignore[misc]
            "pydantic union only": per_call(lambda c=conn: union.validate_python(c)),  # type: ignore[misc]
            "jsonschema-rs": per_call(lambda c=conn: rs.is_valid(c)),  # type: ignore[misc]
            "fastjsonschema": per_call(lambda c=conn: fjs(c)),  # type: ignore[misc]
            "jsonschema": per_call(lambda c=conn: js.is_valid(c)),  # type: ignore[misc]
        }

    headline(rows, conn_of=lambda t: {"type": "account_connection_" + t, "credentials": credentials(t)}, rs=rs, js=js,
             fjs=fjs)
    print("per connection type (validate_credentials takes the credentials alone: another input, not the headline)")
    print("ns per valid payload (best of runs); lower is better")
    print(f"{'type':<18}" + "".join(f"{n:>22}" for n in names))
    for ctype, row in rows.items():
        print(f"{ctype:<18}" + "".join(f"{row[n]:>22,.0f}" for n in names))
    med = {n: statistics.median(r[n] for r in rows.values()) for n in names}
    print(f"{'median':<18}" + "".join(f"{med[n]:>22,.0f}" for n in names))
    print()
    base = med["jsonschema-rs"]
    print("ratios of the medians (x = times jsonschema-rs):")
    for n in names:
        print(f"  {n:<22} {med[n] / base:6.1f}x")
    ours = med["voicecontract creds"]
    print(
        f"  voicecontract creds vs fastjsonschema: {med['fastjsonschema'] / ours:4.1f}x faster; "
        f"vs jsonschema: {med['jsonschema'] / ours:5.1f}x faster"
    )
    print("  (google includes parsing its RSA key with cryptography, which no JSON Schema validator can do)")

    print()
    print("adversarial values through check_credentials (ms): 1 MB ones, and ones just under the size caps")
    print("so that every regex runs on all of it; every one must be rejected")
    big = 1_000_000
    cases = {
        "key: 1 MB of key characters": ("deepgram", {"deepgram_api_key": "a" * big}),
        "key: 1 MB, newline at the end": ("rime", {"rime_api_key": "a" * big + "\n"}),
        "key: Bearer + 1 MB of spaces": ("openai", {"openai_api_key": "Bearer " + " " * big + "x"}),
        "key: 1 MB of 'your_' repeats": ("telnyx", {"telnyx_api_key": "your_" * (big // 5)}),
        "key: 1 MB of dots": ("cartesia", {"cartesia_api_key": "." * big}),
        "opaque: 1 MB of spaces inside": (
            "un_pw_oauth",
            {**credentials("un_pw_oauth"), "password": "a" + " " * big + "b"},
        ),
        "url: 1 MB path of slashes": (
            "login_key_oauth",
            {**credentials("login_key_oauth"), "token_url": "https://a.example.com/" + "/" * big},
        ),
        "scope: 1 MB of 'a ' pairs": ("un_pw_oauth", {**credentials("un_pw_oauth"), "scope": "a " * (big // 2) + "!"}),
        "pem: 1 MB body": (
            "google",
            {
                "google_service_account": {
                    **credentials("google")["google_service_account"],
                    "private_key": pem_envelope("A" * big),
                }
            },
        ),
        "sid: 1 MB of hex": ("twilio", {"twilio_account_sid": "AC" + "0" * big, "twilio_auth_token": "f" * big}),
        # just under the size caps, so that every regex runs on the whole value
        "key: 4 KiB 'your_' + '!'": ("telnyx", {"telnyx_api_key": ("your_" * 819)[:4095] + "!"}),
        "key: 4 KiB of '.' then 'here'": ("rime", {"rime_api_key": "." * 4090 + "_here"}),
        "opaque: 1 KiB 'a ' pairs + tab": ("un_pw_oauth", {**credentials("un_pw_oauth"),
                                                           "password": ("a " * 511) + "\t"}),
        "scope: 1 KiB 'a ' pairs + '\"'": ("un_pw_oauth", {**credentials("un_pw_oauth"), "scope": "a " * 511 + '"'}),
        "url: 2 KiB of '%' and '/'": ("login_key_oauth", {**credentials("login_key_oauth"),
                                                           "token_url": "https://a.example.com/" + "%/" * 1000 + " "}),
        "pem: 16 KiB body, no END": ("google", {"google_service_account": {
            **credentials("google")["google_service_account"],
            "private_key": pem_envelope("A" * 16300, end=False)}}),
    }
    worst = 0.0
    for label, (ctype, creds) in cases.items():
        t0 = time.perf_counter()
        report = check_credentials(ctype, creds, strict=True)
        ms = (time.perf_counter() - t0) * 1e3
        worst = max(worst, ms)
        assert not report.ok, label
        print(f"  {label:<34} {ms:8.2f} ms  {sorted({i.code for i in report.errors})}")
    print(f"  worst: {worst:.1f} ms (linear; nothing backtracks)")
    import_times()


def _broken(conn: dict[str, Any]) -> dict[str, Any]:
    """The same connection made invalid in three places (an unknown field, a wrong type, a bad key)."""
    creds = dict(conn["credentials"])
    first = next(iter(creds))
    creds[first] = " " + str(creds[first]) + "\n" if isinstance(creds[first], str) else 5
    return {**conn, "credentials": creds, "label": 7, "colour": "red"}


def headline(rows: dict[str, dict[str, float]], conn_of: Callable[[str], dict[str, Any]], rs: Any, js: Any,
             fjs: Any) -> None:
    """Like with like: the same whole connection document through every validator, valid and invalid."""
    from voicecontract.validators import check_value

    valid: dict[str, list[float]] = {}
    invalid: dict[str, list[float]] = {}
    for ctype in rows:
        conn = conn_of(ctype)
        bad = _broken(conn)
        assert check_value("AccountConnectionParams", bad)[1] and list(rs.iter_errors(bad))

        def fjs_all(doc: Any) -> Any:
            try:
                return fjs(doc)
            except fastjsonschema.JsonSchemaException as exc:  # it stops at the first error
                return exc

        cells = {
            "voicecontract validate": (lambda c=conn: validate("AccountConnectionParams", c),  # type: ignore[misc]
                                       lambda b=bad: check_value("AccountConnectionParams", b)),  # type: ignore[misc]
            "jsonschema-rs": (lambda c=conn: rs.is_valid(c), lambda b=bad: list(rs.iter_errors(b))),  # type: ignore[misc]
            "fastjsonschema": (lambda c=conn: fjs(c), lambda b=bad: fjs_all(b)),  # type: ignore[misc]
            "jsonschema": (lambda c=conn: js.is_valid(c), lambda b=bad: list(js.iter_errors(b))),  # type: ignore[misc]
        }
        for name, (ok, broken) in cells.items():
            valid.setdefault(name, []).append(per_call(ok))
            invalid.setdefault(name, []).append(per_call(broken))
    base_v, base_i = statistics.median(valid["jsonschema-rs"]), statistics.median(invalid["jsonschema-rs"])
    print("HEADLINE: the same {type, credentials} document through each validator, median over the 16 types")
    print(f"  {'validator':<24} {'valid (ns)':>12} {'x rs':>6} {'invalid, all issues (ns)':>26} {'x rs':>6}")
    for name in valid:
        v, i = statistics.median(valid[name]), statistics.median(invalid[name])
        print(f"  {name:<24} {v:>12,.0f} {v / base_v:>6.1f} {i:>26,.0f} {i / base_i:>6.1f}")
    print("  (voicecontract also runs the provider rules and returns typed models; fastjsonschema stops at the first")
    print("   error; voicecontract's invalid row builds every issue with its code and message)")
    print()


COLD = {
    "python -c pass (baseline, subtracted)": "pass",
    "voicecontract: import + validate_credentials": (
        "from voicecontract import validate_credentials\n"
        "from voicecontract.recipes import credentials\n"
        "validate_credentials('twilio', credentials('twilio'))"
    ),
    "voicecontract: import voicecontract": "import voicecontract",
    "jsonschema: import + validate one connection": (
        "import jsonschema\n"
        "from voicecontract.spec import packaged_spec\n"
        "from voicecontract.recipes import credentials\n"
        "spec = packaged_spec()\n"
        "schema = {'$ref': '#/components/schemas/AccountConnectionParams', 'components': spec['components']}\n"
        "jsonschema.Draft202012Validator(schema).validate("
        "{'type': 'account_connection_twilio', 'credentials': credentials('twilio')})"
    ),
    "import jsonschema": "import jsonschema",
    "import jsonschema_rs": "import jsonschema_rs",
    "import pydantic": "import pydantic",
    "import schemathesis (not in the core)": "import schemathesis",
}


def import_times() -> None:
    """Median wall time of fresh interpreters running each snippet, minus an empty interpreter's."""
    import subprocess

    runs = 3 if QUICK else 7
    print(f"\ncold start (fresh interpreter, median of {runs}, baseline subtracted):")
    times = {}
    for label, code in COLD.items():
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            samples.append(time.perf_counter() - t0)
        times[label] = statistics.median(samples)
    base = times.pop("python -c pass (baseline, subtracted)")
    ref = times["import jsonschema"] - base
    for label, t in times.items():
        print(f"  {label:<48} {(t - base) * 1e3:7.0f} ms  {((t - base) / ref):5.2f}x import jsonschema")


if __name__ == "__main__":
    main()

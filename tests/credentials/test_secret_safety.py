"""No secret in any message, repr, str, exception, log record or JSON output: canary tests.

A random canary is planted inside every secret of every connection type, the value is broken
in every way a rule checks, and every text the validators produce is searched for the canary.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from tests.credentials.test_rules import TRIPS
from voicecontract import PayloadError, check_credentials, validate_credentials
from voicecontract.cli import main
from voicecontract.credentials import providers, rules, tables
from voicecontract.recipes import canary, connection_types, credentials
from voicecontract.validators import validate

CONNECTION_TYPES = connection_types()  # every type of the spec, from the spec index

CANARY = canary(7)


def windows(marker: str, size: int = 6) -> list[str]:
    return [marker[i : i + size] for i in range(len(marker) - size + 1)]


def leaks(texts: Iterable[str], marker: str = CANARY) -> list[str]:
    """Every text that contains a piece (6 characters or more) of the canary."""
    pieces = windows(marker[:12])
    return [t for t in texts if any(p in t for p in pieces)]


def secret_paths(ctype: str) -> list[tuple[str, ...]]:
    return [p for p, fk in tables()[ctype].fields.items() if fk.secret]


def get_in(d: Any, path: tuple[str, ...]) -> Any:
    for p in path:
        d = d[p]
    return d


def set_in(d: Any, path: tuple[str, ...], value: Any) -> None:
    for p in path[:-1]:
        d = d[p]
    d[path[-1]] = value


def everything_said(ctype: str, creds: Any, caplog: Any, capsys: Any, tmp_path: Any) -> list[str]:
    """Run every entry point on the input and collect every text they produce."""
    texts: list[str] = []
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        for strict in (False, True):
            report = check_credentials(ctype, creds, strict=strict)
            texts += [repr(report), str(report), json.dumps(report.as_dict())]
            texts += [repr(i) for i in report.errors + report.warnings]
            try:
                typed = validate_credentials(ctype, creds, strict=strict)
                texts += [repr(typed), str(typed)]
            except PayloadError as exc:
                texts += [str(exc), repr(exc), repr(exc.args), repr(exc.issues)]
            try:
                validate(
                    "AccountConnectionParams",
                    {"type": "account_connection_" + ctype, "credentials": creds},
                    strict=strict,
                )
            except PayloadError as exc:
                texts += [str(exc), repr(exc.args)]
        texts += public_model_errors(ctype, creds)
    texts += [r.getMessage() for r in caplog.records] + [repr(r.args) for r in caplog.records]
    path = tmp_path / "creds.json"
    path.write_text(json.dumps(creds), encoding="utf-8")
    for fmt in ("text", "json"):
        main(["validate", str(path), "--type", ctype, "--format", fmt])
        out = capsys.readouterr()
        texts += [out.out, out.err]
    return texts


def public_model_errors(ctype: str, creds: Any) -> list[str]:
    """What the public models say about the input: the credentials model, its connection model, the union."""
    from pydantic import ValidationError

    from voicecontract import models
    from voicecontract.spec import index
    from voicecontract.validators import adapter

    kind = next(t for t in index().connection_types.values() if t.short == ctype)
    connection = {"type": kind.tag, "credentials": creds}
    texts = []
    for validate_it in (lambda: getattr(models, kind.credentials).model_validate(creds),
                        lambda: getattr(models, kind.create).model_validate(connection),
                        lambda: adapter("AccountConnectionParams").validate_python(connection),
                        lambda: adapter(kind.credentials).validate_json(json.dumps(creds))):
        try:
            validate_it()
        except ValidationError as exc:
            texts += [str(exc), repr(exc)]
    return texts


MUTATIONS: dict[str, Callable[[str], str]] = {
    "bearer": lambda v: "Bearer " + v,
    "newline": lambda v: v + "\n",
    "nbsp": lambda v: v[:5] + "\u00a0" + v[5:],
    "zero-width": lambda v: v + "\u200b",
    "inner-space": lambda v: v[:8] + " " + v[8:],
    "control": lambda v: v[:3] + "\x07" + v[3:],
    "quotes": lambda v: '"' + v + '"',
    "env-line": lambda v: "API_KEY=" + v,
    "masked": lambda v: "****" + v,
    "too-long": lambda v: v * (5000 // len(v) + 2),
    "escaped-newlines": lambda v: v.replace("\n", "\\n") + "\\n",
    "truncated": lambda v: v[: len(v) // 2],
}


@pytest.mark.parametrize("ctype", CONNECTION_TYPES)
def test_no_canary_in_any_output_for_any_broken_secret(ctype: str, caplog: Any, capsys: Any, tmp_path: Any) -> None:
    base = credentials(ctype, canary=CANARY)
    paths = secret_paths(ctype)
    assert paths and all(CANARY in get_in(base, p) or ctype == "google" for p in paths)
    if ctype == "google":  # the PEM is generated; plant the canary inside its base64 body
        pem = get_in(base, paths[0])
        set_in(base, paths[0], pem.replace("\n", "\n" + CANARY, 1))
    tripped: set[str] = set()
    for path in paths:
        for name, mutate in MUTATIONS.items():
            creds = json.loads(json.dumps(base))
            set_in(creds, path, mutate(get_in(base, path)))
            texts = everything_said(ctype, creds, caplog, capsys, tmp_path)
            assert not leaks(texts), f"{ctype} {path} {name}: {leaks(texts)[0][:300]}"
            tripped |= {i.code for i in check_credentials(ctype, creds).errors}
    assert len(tripped) >= 3, tripped  # the mutations really broke the values


@pytest.mark.parametrize(("code", "ctype", "build"), TRIPS, ids=[t[0] for t in TRIPS])
def test_no_canary_when_any_rule_trips(
    code: str, ctype: str, build: Callable[[], Any], caplog: Any, capsys: Any, tmp_path: Any
) -> None:
    creds = build()
    planted = False
    carriers = {p[:n] for p in secret_paths(ctype) for n in range(1, len(p) + 1)}
    for path in sorted(carriers):
        try:
            value = get_in(creds, path)
        except (KeyError, TypeError):
            continue
        if not isinstance(value, str) or len(value) < 2:
            continue
        m = min(12, len(value) // 2)
        half = len(value) // 2
        # insert in the middle, or overwrite the end or the middle, whichever keeps the rule tripping
        for planted_value in (
            value[:half] + CANARY + value[half:],
            value[:-m] + CANARY[:m],
            value[:half] + CANARY[:m] + value[half + m :],
        ):
            candidate = json.loads(json.dumps(creds))
            set_in(candidate, path, planted_value)
            report = check_credentials(ctype, candidate)
            if code in {i.code for i in report.errors + report.warnings}:
                creds, planted = candidate, True
                break
    if not planted:
        pytest.skip(f"{code}: no secret carries a value here (empty or blank input)")
    texts = everything_said(ctype, creds, caplog, capsys, tmp_path)
    assert not leaks(texts), f"{code}: {leaks(texts)[0][:300]}"


def test_the_canary_check_can_fail(monkeypatch: Any, caplog: Any, capsys: Any, tmp_path: Any) -> None:
    """If a rule's message included the value, the canary test above would catch it."""
    checks = providers.PROVIDER_RULES["twilio"][("twilio_auth_token",)]
    leaky = rules.Check(checks[0].code, checks[0].severity, lambda v: f"bad token {v!r}", checks[0].test)
    monkeypatch.setitem(providers.PROVIDER_RULES["twilio"], ("twilio_auth_token",), [leaky, *checks[1:]])
    tables.cache_clear()  # rebuild the table with the leaky rule
    try:
        creds = credentials("twilio", canary=CANARY)
        creds["twilio_auth_token"] = creds["twilio_auth_token"][:-2] + "zz"  # not hex: trips auth_token_format
        texts = everything_said("twilio", creds, caplog, capsys, tmp_path)
        assert leaks(texts), "a message that echoes the value must be detected"
    finally:
        monkeypatch.undo()
        tables.cache_clear()


def test_typed_credentials_never_show_secrets(caplog: Any) -> None:
    for ctype in CONNECTION_TYPES:
        typed = validate_credentials(ctype, credentials(ctype, canary=CANARY))
        with caplog.at_level(logging.INFO):
            logging.getLogger("app").info("connected with %s / %r", typed, typed)
        assert not leaks([repr(typed), str(typed), f"{typed}", caplog.text]), ctype


@pytest.mark.parametrize("where", ["field rule", "object rule"])
def test_a_rule_that_crashes_is_a_reported_error_never_a_pass(monkeypatch: Any, caplog: Any, where: str) -> None:
    def explode(v: Any, *rest: Any) -> Any:
        raise ValueError(f"rule bug on {v!r}")  # a careless message that quotes the value

    ctype = "twilio" if where == "field rule" else "google"
    if where == "field rule":
        checks = providers.PROVIDER_RULES["twilio"][("twilio_auth_token",)]
        broken = rules.Check(checks[0].code, checks[0].severity, checks[0].text, explode)
        monkeypatch.setitem(providers.PROVIDER_RULES["twilio"], ("twilio_auth_token",), [broken, *checks[1:]])
    else:
        monkeypatch.setitem(providers.OBJECT_RULES, "google", explode)
    tables.cache_clear()
    try:
        creds = credentials(ctype, canary=CANARY)
        if where == "field rule":  # off the fast path (a clean value never reaches the rules)
            creds["twilio_auth_token"] = creds["twilio_auth_token"][:-2] + "zz"
        with caplog.at_level(logging.ERROR):
            report = check_credentials(ctype, creds)
        crashed = [i for i in report.errors if i.code == "rule_crashed"]
        assert len(crashed) == 1 and not report.ok, report.errors
        assert any("rule_crashed" not in r.getMessage() and "ValueError" in r.getMessage() for r in caplog.records)
        assert not leaks([caplog.text, repr(report.errors)])
    finally:
        monkeypatch.undo()
        tables.cache_clear()

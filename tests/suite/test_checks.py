"""voicecontract's checks one by one, on answers built by hand."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from voicecontract.suite.checks import errors, secrets

# --------------------------------------------------------------------------- the checks, one by one


def fake_case(op_id: str, *, body: Any = None, query: dict[str, Any] | None = None, token: str = "tok") -> Any:
    from voicecontract.spec import index

    op = index().operations[op_id]
    operation = SimpleNamespace(label=op.label, schema=None)
    return SimpleNamespace(operation=operation, body=body, query=query or {}, method=op.method, path=op.path, id="c1",
                           headers={"Authorization": f"Bearer {token}"})


def fake_run(token: str = "tok") -> Any:
    from voicecontract.spec import index, packaged_spec
    from voicecontract.suite.context import RunContext
    from voicecontract.suite.fixtures import Fixtures
    from voicecontract.suite.masking import Scrubber
    from voicecontract.suite.options import RunOptions
    from voicecontract.suite.target import Target

    return RunContext(RunOptions(), 1, packaged_spec(), index(), Target(token=token), Fixtures(), Scrubber([token]))


def fake_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Any:
    text = json.dumps(body)
    return SimpleNamespace(status_code=status, text=text, headers=headers or {}, json=lambda: json.loads(text))


RUN = fake_run()


def test_no_secret_echo() -> None:
    secret = "sk-proj-" + "Zq9" * 20
    case = fake_case("create_account_connection",
                     body={"type": "account_connection_openai", "credentials": {"openai_api_key": secret}})
    secrets.no_secret_echo(RUN, fake_response(201, {"credentials": {"openai_api_key": "****" + secret[-4:]}}), case)
    with pytest.raises(AssertionError, match="repeats a secret"):
        secrets.no_secret_echo(RUN, fake_response(201, {"credentials": {"openai_api_key": secret}}), case)
    with pytest.raises(AssertionError, match="header"):
        secrets.no_secret_echo(RUN, fake_response(201, {}, {"x-debug": secret[5:30]}), case)
    with pytest.raises(AssertionError):  # the bearer token is a secret too
        secrets.no_secret_echo(RUN, fake_response(200, {"token": "tok-" + "t" * 20}), fake_case(
            "list_numbers", token="tok-" + "t" * 20))


def test_error_body() -> None:
    case = fake_case("update_number", body={"label": 5}, query={"phone_number": "+14155550100"})
    good = {"statusCode": 400, "message": "m", "error": "Bad Request",
            "issues": [{"path": "/body/label", "code": "type", "message": "x"},
                       {"path": "/body/description", "code": "missing", "message": "x"}]}
    errors.error_body(RUN, fake_response(400, good), case)
    with pytest.raises(AssertionError, match="names no field"):
        errors.error_body(RUN, fake_response(400, {**good, "issues": [{"path": "/body/nope", "code": "type",
                                                                        "message": "x"}]}), case)
    with pytest.raises(AssertionError, match="does not point into the request"):
        errors.error_body(RUN, fake_response(400, {**good, "issues": [{"path": "/label", "code": "type",
                                                                        "message": "x"}]}), case)
    with pytest.raises(AssertionError, match="not the spec's error body"):
        errors.error_body(RUN, fake_response(404, {"detail": "Not Found"}), case)
    with pytest.raises(AssertionError, match="statusCode"):
        errors.error_body(RUN, fake_response(404, {**good, "statusCode": 400, "issues": []}), case)


def test_page_consistency() -> None:
    case = fake_case("list_numbers", query={"page": 2, "size": 2})
    page = {"items": [{}], "page": 2, "size": 2, "has_more": False, "total": 3, "total_is_estimated": False}
    errors.page_consistency(RUN, fake_response(200, page), case)
    for broken, message in (({"total": 4}, "holds 1 items"), ({"has_more": True}, "has_more"),
                            ({"page": 1}, "echo"), ({"items": [{}, {}, {}]}, "3 items on a page of size 2")):
        with pytest.raises(AssertionError, match=message):
            errors.page_consistency(RUN, fake_response(200, {**page, **broken}), case)




def test_a_short_secret_is_looked_for_too() -> None:
    case = fake_case("create_account_connection",
                     body={"type": "account_connection_rime", "credentials": {"rime_api_key": "k3yZ"}})
    secrets.no_secret_echo(RUN, fake_response(201, {"credentials": {"rime_api_key": "****"}}), case)
    with pytest.raises(AssertionError, match="repeats a secret"):
        secrets.no_secret_echo(RUN, fake_response(201, {"credentials": {"rime_api_key": "k3yZ"}}), case)
    # the same value also sent in a field that is not secret explains it
    public = fake_case("create_account_connection", body={"type": "account_connection_rime", "label": "k3yZ",
                                                          "credentials": {"rime_api_key": "k3yZ"}})
    secrets.no_secret_echo(RUN, fake_response(201, {"label": "k3yZ", "credentials": {"rime_api_key": "****"}}), public)


def _error_examples() -> dict[str, tuple[int, Any, list[str]]]:
    """Each error example of the spec: its status, its value and the operations that document it."""
    from voicecontract.spec import index

    ix = index()
    out: dict[str, tuple[int, Any, list[str]]] = {}
    for op in ix.operations.values():
        for status in op.statuses:
            response = ix.schemas.resolve(op.raw["responses"][status])
            media = (response.get("content") or {}).get("application/json") or {}
            for name, example in (media.get("examples") or {}).items():
                if status.startswith("4"):
                    entry = out.setdefault(f"{status}/{name}", (int(status), example["value"], []))
                    entry[2].append(op.op_id)
    return out


@pytest.mark.parametrize("name", sorted(_error_examples()))
def test_the_spec_own_error_examples_pass_error_body_with_an_empty_body(name: str) -> None:
    """An issue may point where the spec puts a field that the request left out (e.g. a body of {})."""
    from voicecontract.spec import index

    status, example, op_ids = _error_examples()[name]
    passed = []
    for op_id in op_ids:
        op = index().operations[op_id]
        try:
            errors.error_body(RUN, fake_response(status, example), fake_case(op_id, body={} if op.body_node else None))
        except AssertionError:
            continue  # a shared example names fields of other operations (e.g. phone_number on a list)
        passed.append(op_id)
    assert passed, f"{name}: no operation that documents it accepts its issue paths"


def test_a_check_that_crashes_is_a_failure_of_its_own() -> None:
    from voicecontract.suite.checks import base
    from voicecontract.suite.options import RunOptions
    from voicecontract.suite.runner import run_suite

    def explodes(run: Any, response: Any, case: Any) -> None:
        raise RuntimeError("a bug in a check")

    original = base.CHECKS["page_consistency"]
    base.CHECKS["page_consistency"] = explodes
    try:
        result = run_suite(RunOptions(phases=("links",), seed=1, checks=("page_consistency",)))
    finally:
        base.CHECKS["page_consistency"] = original
    assert any(f.check == "check_crashed" for f in result.failures), [f.check for f in result.failures]

"""The spec lint: the real spec is clean, and every rule fires on a spec that breaks it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import SPEC_PATH, write_spec
from voicecontract.lint import RULE_CODES, lint_spec, render

Doc = dict[str, Any]


def op(doc: Doc, path: str, method: str = "post") -> Doc:
    return doc["paths"][path][method]


def schemas(doc: Doc) -> Doc:
    return doc["components"]["schemas"]


def codes(doc: Doc) -> set[str]:
    return {i.code for i in lint_spec(doc, with_validator=False)}


def test_the_spec_is_clean(spec_doc: Doc) -> None:
    found = lint_spec(spec_doc)
    assert found == [], "\n".join(i.render() for i in found)


# Each entry breaks the spec in one way; the named rule must report it, with a JSON pointer.
def _drop(d: Doc, key: str) -> None:
    del d[key]


def _rename(d: Doc, old: str, new: str) -> None:
    d[new] = d.pop(old)


BREAKERS: dict[str, tuple[str, Callable[[Doc], None]]] = {
    "VC001": ("/paths", lambda d: op(d, "/v1/numbers/buy").update(responses="not a mapping")),
    "VC002": ("/openapi", lambda d: d.update(openapi="3.0.3")),
    "VC101": ("/paths/~1v1~1numbers/get", lambda d: _drop(op(d, "/v1/numbers", "get"), "operationId")),
    "VC102": ("/paths/~1v1~1agents/get", lambda d: _drop(op(d, "/v1/agents", "get"), "summary")),
    "VC103": ("/paths/~1v1~1agents~1create/post", lambda d: _drop(op(d, "/v1/agents/create"), "tags")),
    "VC104": (
        "/paths/~1v1~1numbers~1cancel/post",
        lambda d: (op(d, "/v1/numbers/cancel").update(security=[]), d.update(security=[])),
    ),
    "VC105": (
        "/paths/~1v1~1numbers~1link/post/responses",
        lambda d: _rename(op(d, "/v1/numbers/link")["responses"], "201", "200"),
    ),
    "VC106": (
        "/paths/~1v1~1numbers~1buy/post/responses",
        lambda d: _drop(op(d, "/v1/numbers/buy")["responses"], "400"),
    ),
    "VC107": (
        "/paths/~1v1~1agents~1list/get/responses",
        lambda d: _drop(op(d, "/v1/agents/list", "get")["responses"], "401"),
    ),
    "VC108": (
        "/paths/~1v1~1account_connections/get/responses",
        lambda d: _drop(op(d, "/v1/account_connections", "get")["responses"], "404"),
    ),
    "VC109": ("/paths/~1v1~1numbers~1update/post", lambda d: _drop(op(d, "/v1/numbers/update"), "description")),
    "VC201": (
        "/paths/~1v1~1numbers~1update/post/requestBody/content/application~1json/examples/attach_agent/value",
        lambda d: op(d, "/v1/numbers/update")["requestBody"]["content"]["application/json"]["examples"]["attach_agent"][
            "value"
        ].update(outbound_only="yes"),
    ),
    "VC202": (
        "/paths/~1v1~1numbers~1link/post/requestBody/content/application~1json",
        lambda d: _drop(op(d, "/v1/numbers/link")["requestBody"]["content"]["application/json"], "examples"),
    ),
    "VC301": ("/components/schemas/LLMFallback", lambda d: _drop(schemas(d)["LLMFallback"], "description")),
    "VC302": (
        "/components/schemas/PhoneNumber/properties/label",
        lambda d: _drop(schemas(d)["PhoneNumber"]["properties"]["label"], "description"),
    ),
    "VC303": ("/components/parameters/Page", lambda d: _drop(d["components"]["parameters"]["Page"], "description")),
    "VC304": (  # a server could drop the label from every answer and still conform
        "/components/schemas/PhoneNumber/properties/label",
        lambda d: schemas(d)["PhoneNumber"].update(required=["id", "user_id", "number"]),
    ),
    "VC401": (
        "/components/schemas/Orphan",
        lambda d: schemas(d).update(Orphan={"type": "string", "description": "nobody uses me"}),
    ),
    "VC501": (
        "/components/schemas/RimeCredentials/properties/rime_api_key",
        lambda d: schemas(d)["RimeCredentials"]["properties"].update(
            rime_api_key={"type": "string", "description": "the key, unmarked"}
        ),
    ),
    "VC502": (
        "/components/schemas/TwilioCredentialsMasked/properties/twilio_auth_token",
        lambda d: schemas(d)["TwilioCredentialsMasked"]["properties"]["twilio_auth_token"].update(
            {"$ref": "#/components/schemas/KeySecret"}
        ),
    ),
    "VC601": (
        "/paths/~1v1~1numbers~1buy/post/responses/201/links/GetNumber/operationId",
        lambda d: op(d, "/v1/numbers/buy")["responses"]["201"]["links"]["GetNumber"].update(operationId="nope"),
    ),
    "VC602": (
        "/paths/~1v1~1agents~1create/post/responses/201/links/GetAgent/parameters/agent_id",
        lambda d: op(d, "/v1/agents/create")["responses"]["201"]["links"]["GetAgent"].update(
            parameters={"agent_id": "$response.body#/id"}
        ),
    ),
    "VC603": (
        "/paths/~1v1~1numbers~1buy/post/responses/201/links/GetNumber/parameters/phone_number",
        lambda d: op(d, "/v1/numbers/buy")["responses"]["201"]["links"]["GetNumber"].update(
            parameters={"phone_number": "$response.body#/phone"}
        ),
    ),
    "VC701": ("/paths/~1v1~1numbers~1cancel/post/x-role", lambda d: op(d, "/v1/numbers/cancel").update({"x-role": "zap"})),
    "VC702": (
        "/paths/~1v1~1account_connections~1add_to_steering_pool/post/x-collection",
        lambda d: op(d, "/v1/account_connections/add_to_steering_pool").update({"x-collection": "pool"}),
    ),
    "VC703": (
        "/paths/~1v1~1numbers~1link/post/requestBody",
        lambda d: _drop(schemas(d)["LinkNumberRequest"]["properties"]["telephony_account_connection"], "x-connection-role"),
    ),
    "VC704": (  # a new LLM type (or one dropped from the inline union) without the other place
        "/components/schemas/LlmAccountConnectionParams",
        lambda d: _drop(schemas(d)["LlmAccountConnectionParams"]["discriminator"]["mapping"], "account_connection_deepseek"),
    ),
}


def test_every_rule_has_a_breaking_case() -> None:
    assert set(BREAKERS) == set(RULE_CODES)


@pytest.mark.parametrize("code", sorted(BREAKERS))
def test_rule_fires_on_a_broken_spec(code: str, spec_copy: Doc) -> None:
    where, breaker = BREAKERS[code]
    breaker(spec_copy)
    found = lint_spec(spec_copy, with_validator=code in ("VC001", "VC002"))
    hits = [i for i in found if i.code == code]
    assert hits, f"{code} did not fire; found: {[i.render() for i in found]}"
    assert any(i.path.startswith(where) or where.startswith(i.path) for i in hits), [i.render() for i in hits]
    assert all(render(i).endswith(f"[{code} {RULE_CODES[code][0]}]") for i in hits)


def test_unmarked_secret_part_marking(spec_copy: Doc) -> None:
    # writeOnly alone is not enough: all three markers are required together.
    schemas(spec_copy)["RimeCredentials"]["properties"]["rime_api_key"] = {
        "type": "string",
        "writeOnly": True,
        "description": "half marked",
    }
    found = lint_spec(spec_copy, with_validator=False)
    assert any("missing format: password, x-secret" in i.message for i in found if i.code == "VC501")


def test_public_key_and_masked_fields_are_not_secrets(spec_doc: Doc) -> None:
    # telnyx_public_key ends in _key but is public; VectorDatabase.api_key is a MaskedSecret.
    assert "VC501" not in codes(spec_doc)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voicecontract.cli", *args], capture_output=True, text=True, check=False
    )


def test_cli_passes_on_the_spec() -> None:
    proc = run_cli("lint", str(SPEC_PATH))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout


def test_cli_fails_with_codes_on_a_broken_copy(tmp_path: Any, spec_copy: Doc) -> None:
    BREAKERS["VC107"][1](spec_copy)
    BREAKERS["VC401"][1](spec_copy)
    proc = run_cli("lint", str(write_spec(tmp_path, spec_copy)))
    assert proc.returncode == 1
    assert "[VC107 response-401]" in proc.stdout and "[VC401 unused-component]" in proc.stdout
    assert "/paths/~1v1~1agents~1list/get/responses" in proc.stdout


def test_cli_json_output(tmp_path: Any, spec_copy: Doc) -> None:
    BREAKERS["VC102"][1](spec_copy)
    proc = run_cli("lint", str(write_spec(tmp_path, spec_copy)), "--format", "json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert [i["code"] for i in data["issues"]] == ["VC102"]


def test_cli_unreadable_spec_is_a_usage_error(tmp_path: Any) -> None:
    proc = run_cli("lint", str(tmp_path / "missing.yaml"))
    assert proc.returncode == 2
    assert "no such file" in proc.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: [unclosed", encoding="utf-8")
    proc = run_cli("lint", str(bad))
    assert proc.returncode == 2 and "not valid YAML" in proc.stderr


def _broken_yaml(tmp_path: Any, spec_copy: Doc) -> Any:
    import yaml

    BREAKERS["VC107"][1](spec_copy)
    BREAKERS["VC401"][1](spec_copy)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(spec_copy, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_cli_sarif_points_code_scanning_at_the_line(tmp_path: Any, spec_copy: Doc) -> None:
    path = _broken_yaml(tmp_path, spec_copy)
    proc = run_cli("lint", str(path), "--format", "sarif")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    (run,) = doc["runs"]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids)) and "VC107" in rule_ids
    lines = path.read_text(encoding="utf-8").splitlines()
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert set(by_rule) == {"VC107", "VC401"} and all(r["ruleId"] in rule_ids for r in run["results"])
    for code, key in (("VC107", "responses:"), ("VC401", None)):
        loc = by_rule[code]["locations"][0]
        assert loc["physicalLocation"]["artifactLocation"]["uri"] == str(path)
        line = loc["physicalLocation"]["region"]["startLine"]
        pointer = loc["logicalLocations"][0]["fullyQualifiedName"]
        wanted = key or pointer.rsplit("/", 1)[-1] + ":"
        assert lines[line - 1].strip().startswith(wanted), (code, line, lines[line - 1])
        assert by_rule[code]["level"] in ("error", "warning")


def test_cli_junit_has_one_case_per_rule_and_one_failure_per_broken_rule(tmp_path: Any, spec_copy: Doc) -> None:
    from xml.etree import ElementTree

    from voicecontract.lint.core import RULE_CODES

    path = _broken_yaml(tmp_path, spec_copy)
    proc = run_cli("lint", str(path), "--format", "junit")
    assert proc.returncode == 1, proc.stderr
    (suite,) = ElementTree.fromstring(proc.stdout).iter("testsuite")
    cases = list(suite.iter("testcase"))
    assert len(cases) == len(RULE_CODES) == int(suite.get("tests", "0"))
    failed = {c.get("name", "").split()[0]: c.findall("failure") for c in cases if c.findall("failure")}
    assert set(failed) == {"VC107", "VC401"} and suite.get("failures") == "2"
    assert all(len(f) == 1 for f in failed.values())  # one <failure> each: what JUnit readers expect
    assert "/paths/~1v1~1agents~1list/get/responses (line " in (failed["VC107"][0].text or "")
    clean = run_cli("lint", str(SPEC_PATH), "--format", "junit")
    assert clean.returncode == 0 and "<failure" not in clean.stdout


def test_the_readme_lists_every_rule_by_code_and_name() -> None:
    from tests.conftest import ROOT

    rows = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("VC") and cells[0][2:].isdigit():
            rows[cells[0]] = cells[1]
    assert rows == {code: name for code, (name, _) in RULE_CODES.items()}


def test_an_unexpressible_check_voicecontract_does_not_implement_is_a_finding(spec_copy: Doc) -> None:
    schemas(spec_copy)["PemPrivateKey"]["x-unexpressible-check"] = "must-be-prime"
    found = [i for i in lint_spec(spec_copy, with_validator=False) if i.code == "VC702"]
    assert [i.path for i in found] == ["/components/schemas/PemPrivateKey/x-unexpressible-check"]


def test_every_unexpressible_check_has_a_generator_for_the_suite() -> None:
    from voicecontract.credentials.providers import UNEXPRESSIBLE_CHECKS
    from voicecontract.suite.hooks import GENERATORS

    assert set(GENERATORS) == set(UNEXPRESSIBLE_CHECKS)


def test_list_rules_shows_what_the_spec_asks_beyond_shapes() -> None:
    out = subprocess.run([sys.executable, "-m", "voicecontract", "lint", "--list-rules"], capture_output=True,
                         text=True, check=True).stdout
    assert "pem-private-key" in out and "/components/schemas/PemPrivateKey" in out
    for code in ("quoted", "env_assignment", "placeholder", "external.header_name_reserved"):
        assert f"  {code} " in out, code


def beyond_shapes_rows(spec: Doc) -> list[str]:
    from voicecontract.lint.core import unexpressible_checks, value_exclusions

    rows = [f"| x-unexpressible-check | `{check}` | `{where}` |" for check, where in unexpressible_checks(spec)]
    rows += [f"| not | `{code}` | `{where}` |" for code, where, _ in value_exclusions(spec)]
    return rows


def readme_block(marker: str) -> str:
    import re

    from tests.conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker}:begin -->\n(.*?)<!-- {marker}:end -->", text, re.S)
    assert found, f"README.md has no {marker} block"
    return found.group(1)


def test_the_readme_lists_what_the_spec_asks_beyond_shapes(spec_doc: Doc) -> None:
    lines = readme_block("beyond-shapes").splitlines()[2:]
    assert lines == beyond_shapes_rows(spec_doc), "\n".join(beyond_shapes_rows(spec_doc))


def test_the_readme_table_of_deviations_is_the_specs(spec_doc: Doc) -> None:
    from voicecontract.lint.core import deviations, deviations_markdown

    expected = deviations_markdown(spec_doc)
    assert readme_block("deviations") == expected, "run `voicecontract lint --deviations` and paste:\n" + expected
    texts = [text for text, _ in deviations(spec_doc)]
    assert len(texts) >= 40 and all(texts), "every **Ours:** note has its decision after the marker"
    assert any("openai_account_connection" in p for _, places in deviations(spec_doc) for p in places)

"""`voicecontract diff` on the real history, and the dynamic check: an old contract against the new server."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from voicecontract.diff import diff
from voicecontract.spec import load_spec

OLD_2024 = ROOT / "spec" / "history" / "openapi-2024-08.json"
PREFIXES = ("/v1/numbers", "/v1/agents", "/v1/account_connections")


def vc(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voicecontract", *args], capture_output=True, text=True, cwd=cwd,
                          check=False)


def test_docs_compat_2024_is_what_make_compat_writes() -> None:
    args = ["diff", "spec/history/openapi-2024-08.json", "spec/openapi.yaml", "--format", "markdown", "--fail-on",
            "none", *(a for p in PREFIXES for a in ("--path-prefix", p))]
    out = vc(*args)
    assert out.returncode == 0, out.stderr
    assert (ROOT / "docs" / "compat-2024.md").read_text(encoding="utf-8") == out.stdout, "run `make compat`"


def test_the_2024_to_ours_history_is_flagged_with_the_right_severity() -> None:
    changes = diff(load_spec(OLD_2024), load_spec(ROOT / "spec" / "openapi.yaml"), path_prefixes=PREFIXES)
    by = {(c.code, c.where, c.message) for c in changes}
    codes = {c.code: c for c in changes}
    # numbers answer the agent by id where 2024 embedded the agent: a new form of an answer breaks clients
    assert ("response-option-added", "GET /v1/numbers 200", "`inbound_agent`: a new form (Id)") in by
    # 2024 answered 200 to every POST, we answer 201
    assert ("response-success-status-changed", "POST /v1/numbers/buy 201", "success is 201, not 200") in by
    # new connection types are new request forms: nothing breaks for clients, implementations must accept them
    added = [c for c in changes if c.code == "request-option-added" and "account_connection_telnyx" in c.message]
    assert added and all((c.clients, c.implementations) == ("info", "breaking") for c in added)
    # 422 validation errors became 400s
    assert codes["response-status-removed"].clients == "breaking"
    assert codes["response-status-added"].clients == "warning"
    # responses that now always carry a field break implementations of the old spec, not clients
    required = [c for c in changes if c.code == "response-property-became-required"]
    assert required and all((c.clients, c.implementations) == ("info", "breaking") for c in required)
    assert all(c.old or c.new for c in changes) and all(
        (c.old is None or c.old.startswith("/")) and (c.new is None or c.new.startswith("/")) for c in changes
    )


def test_exit_codes_and_formats(tmp_path: Path) -> None:
    spec = load_spec(ROOT / "spec" / "openapi.yaml")
    narrower = copy.deepcopy(spec)
    narrower["components"]["schemas"]["Label"]["maxLength"] = 10
    new = tmp_path / "new.json"
    new.write_text(json.dumps(narrower), encoding="utf-8")
    same = vc("diff", "spec/openapi.yaml", "spec/openapi.yaml")
    assert same.returncode == 0 and "0 breaking" in same.stdout
    broke = vc("diff", "spec/openapi.yaml", str(new), "--format", "json")
    assert broke.returncode == 1
    doc = json.loads(broke.stdout)
    assert {c["code"] for c in doc["changes"]} == {"request-constraint-tightened", "response-constraint-tightened"}
    assert vc("diff", "spec/openapi.yaml", str(new), "--for", "implementations").returncode == 1
    assert vc("diff", "spec/openapi.yaml", str(new), "--fail-on", "none").returncode == 0
    missing = vc("diff", "spec/openapi.yaml", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    assert vc("diff", "HEAD:spec/openapi.yaml", "spec/openapi.yaml").returncode in (0, 1)  # a git revision reads
    assert "response-property-removed" in vc("diff", "--list-codes").stdout


def _older_copy(tmp_path: Path, edit: Any) -> Path:
    spec = load_spec(ROOT / "spec" / "openapi.yaml")
    edit(spec)
    path = tmp_path / "old.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


def _without_inline_connections(spec: dict[str, Any]) -> None:
    """The spec as it was before connections could be given inline: ids only."""
    schemas = spec["components"]["schemas"]
    for name, field in (("AgentParams", "openai_account_connection"), ("AgentUpdateParams", "openai_account_connection"),
                        ("BuyNumberRequest", "telephony_account_connection"),
                        ("LinkNumberRequest", "telephony_account_connection")):
        node = schemas[name]["properties"][field]
        node["oneOf"] = [o for o in node["oneOf"] if "ConnectionParams" not in o.get("$ref", "")]


@pytest.mark.slow
def test_the_new_server_still_serves_clients_of_an_older_contract(tmp_path: Path) -> None:
    old = _older_copy(tmp_path, _without_inline_connections)
    assert diff(load_spec(old), load_spec(ROOT / "spec" / "openapi.yaml"))  # it is another contract
    out = vc("run", "--spec", str(old), "--phases", "examples,links", "--max-examples", "2", "--seed", "1",
             cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]


@pytest.mark.slow
def test_the_dynamic_check_fails_when_the_new_server_breaks_the_old_contract(tmp_path: Path) -> None:
    def answered_200(spec: dict[str, Any]) -> None:  # the old contract: create agent answered 200
        responses = spec["paths"]["/v1/agents/create"]["post"]["responses"]
        responses["200"] = responses.pop("201")

    old = _older_copy(tmp_path, answered_200)
    static = diff(load_spec(old), load_spec(ROOT / "spec" / "openapi.yaml"))
    assert [c.code for c in static] == ["response-success-status-changed"]
    out = vc("run", "--spec", str(old), "--phases", "examples", "--max-examples", "2", "--seed", "1", cwd=tmp_path)
    assert out.returncode == 1 and "status_code_conformance" in out.stdout, out.stdout[-3000:]

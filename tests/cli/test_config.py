"""`voicecontract run` defaults from [tool.voicecontract] / voicecontract.toml; the command line wins; no tokens."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from voicecontract.cli import build_parser, config
from voicecontract.cli.run import settings

VC = [sys.executable, "-m", "voicecontract"]


def _settings(cwd: Path, monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[dict[str, object], str | None]:
    monkeypatch.chdir(cwd)
    return settings(build_parser().parse_args(["run", *argv]))


def test_pyproject_table_gives_defaults_and_the_command_line_wins(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "mine"\n\n[tool.voicecontract]\nbase-url = "http://127.0.0.1:9999"\nmax-examples = 4\n'
        'phases = ["examples", "links"]\nthorough = true\nreport = "out/contract.json"\n', encoding="utf-8")
    nested = tmp_path / "services" / "api"
    nested.mkdir(parents=True)
    values, source = _settings(nested, monkeypatch)  # found upwards
    assert source == str(tmp_path / "pyproject.toml")
    assert values["base-url"] == "http://127.0.0.1:9999" and values["max-examples"] == 4
    assert values["phases"] == "examples,links" and values["thorough"] is True
    assert values["report"] == str(tmp_path / "out" / "contract.json")  # relative to the file, not the cwd
    assert values["request-timeout"] == 30.0  # untouched keys keep the built-in default
    values, _ = _settings(nested, monkeypatch, "--max-examples", "9", "--phases", "links", "--base-url", "http://x")
    assert values["max-examples"] == 9 and values["phases"] == "links" and values["base-url"] == "http://x"


def test_voicecontract_toml_wins_over_pyproject_in_the_same_directory(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.voicecontract]\nmax-examples = 4\n", encoding="utf-8")
    (tmp_path / "voicecontract.toml").write_text("max-examples = 6\nworkers = 3\n", encoding="utf-8")
    values, source = _settings(tmp_path, monkeypatch)
    assert source == str(tmp_path / "voicecontract.toml") and values["max-examples"] == 6
    assert values["workers"] == 3


def test_a_pyproject_without_the_table_is_not_a_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    values, source = _settings(tmp_path, monkeypatch)
    assert source is None or not source.startswith(str(tmp_path))
    assert values["max-examples"] == config.KEYS["max-examples"].default


@pytest.mark.parametrize(("text", "message"), [
    ('token = "abc"', "`token` is refused: a bearer token in a file gets committed"),
    ('second-token = "abc"', "`second-token` is refused"),
    ("max-examples = \"many\"", "`max-examples` is examples per operation; str given"),
    ("thorough = 1", "`thorough` is every negative coverage case; int given"),
    ("max-examples = true", "not true/false"),
    ("colour = \"red\"", "unknown key(s) colour"),
    ("max-examples = ", "not valid TOML"),
])
def test_bad_config_is_a_usage_error_that_says_why(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "voicecontract.toml").write_text(text + "\n", encoding="utf-8")
    proc = subprocess.run([*VC, "run", "--base-url", "http://127.0.0.1:9"], cwd=tmp_path, capture_output=True,
                          text=True, check=False, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    if "token" in text:
        assert "abc" not in proc.stderr + proc.stdout  # the refused value is never echoed
        assert "VOICECONTRACT_TOKEN" in proc.stderr  # says where tokens go instead


def test_every_config_key_is_an_option_of_run_and_back() -> None:
    parser = build_parser()
    run = next(a for a in parser._subparsers._group_actions[0].choices.items() if a[0] == "run")[1]  # type: ignore[union-attr]
    options = {o[2:] for action in run._actions for o in action.option_strings if o.startswith("--")}
    not_from_files = {"token", "second-token", "canary", "list-checks", "help"}
    assert set(config.KEYS) == options - not_from_files
    assert not set(config.KEYS) & config.FORBIDDEN

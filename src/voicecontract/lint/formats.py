"""Lint findings for machines: SARIF 2.1.0 (code-scanning annotations) and JUnit XML, with source lines.

A finding's JSON pointer is mapped back to the line of the YAML/JSON source it names, so a code
scanner can annotate the exact line of spec/openapi.yaml.
"""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import yaml

from voicecontract.errors import Issue
from voicecontract.lint.core import RULE_CODES
from voicecontract.spec import split_pointer

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _compose(text: str) -> Any:
    """The YAML node tree of a source (JSON is YAML), or None when it does not parse."""
    try:
        return yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None


def line_of(text: str | Any, pointer: str) -> int:
    """The 1-based line of a JSON pointer's node in YAML or JSON text or its composed tree (nearest ancestor's)."""
    node = _compose(text) if isinstance(text, str) else text
    if node is None:
        return 1
    line = 1
    try:
        tokens = split_pointer(pointer)
    except KeyError:
        return 1
    for token in tokens:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if getattr(k, "value", None) == token), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
            node = node.value[int(token)]
            line = node.start_mark.line + 1
        else:
            break
    return line


def sarif(results: list[tuple[str, str, list[Issue]]], version: str) -> str:
    """SARIF 2.1.0 for (file label, source text, findings) of each linted file."""
    rules = [
        {"id": code, "name": name, "shortDescription": {"text": text}} for code, (name, text) in RULE_CODES.items()
    ]
    found = []
    for label, text, issues in results:
        tree = _compose(text) if text else None
        for issue in issues:
            location: dict[str, Any] = {
                "physicalLocation": {
                    "artifactLocation": {"uri": label},
                    "region": {"startLine": line_of(tree, issue.path)},
                },
                "logicalLocations": [{"fullyQualifiedName": issue.path or "/", "kind": "object"}],
            }
            found.append(
                {
                    "ruleId": issue.code,
                    "level": "error" if issue.severity == "error" else "warning",
                    "message": {"text": f"{issue.message} ({issue.path or '/'})"},
                    "locations": [location],
                }
            )
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "voicecontract", "version": version, "rules": rules}},
                "results": found,
            }
        ],
    }
    return json.dumps(doc, indent=2)


def junit(results: list[tuple[str, str, list[Issue]]]) -> str:
    """JUnit XML: one test case per rule per file, failing (one <failure>) with all that rule's findings."""
    suites = []
    for label, text, issues in results:
        tree = _compose(text) if text else None
        cases = []
        for code, (name, description) in RULE_CODES.items():
            hits = [i for i in issues if i.code == code]
            lines = "\n".join(f"{i.path or '/'} (line {line_of(tree, i.path)}): {i.message}" for i in hits)
            body = (
                f"<failure message={quoteattr(f'{len(hits)} finding(s): {hits[0].message}')}>{escape(lines)}</failure>"
                if hits
                else ""
            )
            cases.append(
                f"<testcase classname={quoteattr('voicecontract.lint.' + label)} "
                f'name={quoteattr(f"{code} {name}: {description}")} time="0">{body}</testcase>'
            )
        failed = sum(1 for c in cases if "<failure" in c)
        suites.append(
            f'<testsuite name={quoteattr("voicecontract lint " + label)} tests="{len(cases)}" '
            f'failures="{failed}" errors="0">{"".join(cases)}</testsuite>'
        )
    return '<?xml version="1.0" encoding="utf-8"?>\n<testsuites>' + "".join(suites) + "</testsuites>\n"

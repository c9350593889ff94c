"""Helpers for the model/spec agreement tests: generators, a JSON Schema oracle and a mutator.

The oracle is jsonschema-rs (Draft 2020-12, ECMA-style regexes like pydantic's Rust engine);
instances come from schemathesis' own JSON Schema generator, the one the contract suite uses.
"""

from __future__ import annotations

import os
from collections import Counter
from functools import cache
from typing import Any

import jsonschema_rs
from hypothesis import strategies as st
from schemathesis.generation.jsonschema.builder import build

from voicecontract.spec import packaged_spec

SEED = int(os.environ.get("VOICECONTRACT_SEED", "20261126"))
EXAMPLES = int(os.environ.get("VOICECONTRACT_AGREEMENT_EXAMPLES", "12"))

# schema name -> Counter(valid=..., rejected=..., mutant_valid=...), printed at the end of the run
STATS: dict[str, Counter[str]] = {}


def schema_names() -> list[str]:
    return list(packaged_spec()["components"]["schemas"])


def standalone(name: str) -> dict[str, Any]:
    """A self-contained Draft 2020-12 schema for one component schema."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": f"#/components/schemas/{name}",
        "components": {"schemas": packaged_spec()["components"]["schemas"]},
    }


@cache
def oracle(name: str) -> Any:
    return jsonschema_rs.validator_for(standalone(name))


@cache
def instances(name: str) -> st.SearchStrategy[Any]:
    # whole_floats: integers are sometimes drawn as 2.0, as schemathesis does for JSON bodies.
    return build(standalone(name), draft=jsonschema_rs.Draft202012, formats={}, whole_floats=True)


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values: 1 == 1.0, but true is not 1 and "1" is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def nodes(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(nodes(v, (*path, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(nodes(v, (*path, i)))
    return out


def get(value: Any, path: tuple[str | int, ...]) -> Any:
    for t in path:
        value = value[t]
    return value


def replaced(value: Any, path: tuple[str | int, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        out = dict(value)
        out[head] = replaced(value[head], rest, new)
        return out
    out_list = list(value)
    out_list[head] = replaced(value[head], rest, new)  # type: ignore[index]
    return out_list


DROP = object()


def dropped(value: Any, path: tuple[str | int, ...]) -> Any:
    parent = get(value, path[:-1])
    key = path[-1]
    if isinstance(parent, dict):
        new_parent = {k: v for k, v in parent.items() if k != key}
    else:
        new_parent = [v for i, v in enumerate(parent) if i != key]
    return replaced(value, path[:-1], new_parent)


OTHER_TYPES: list[Any] = [None, True, 0, 1.5, "x", [], {}]


@st.composite
def mutations(draw: st.DrawFn, value: Any) -> tuple[str, Any]:
    """One small mutation of a JSON value: wrong type, dropped/extra field, bad string/number/tag, null."""
    path = draw(st.sampled_from(nodes(value)))
    node = get(value, path)
    ops = ["type", "null"]
    if path:
        ops.append("drop")
    if isinstance(node, dict):
        ops.append("extra")
        if isinstance(node.get("type"), str):
            ops.append("tag")
    if isinstance(node, str):
        ops.append("string")
    if isinstance(node, int | float) and not isinstance(node, bool):
        ops.append("number")
    op = draw(st.sampled_from(ops))
    where = "/" + "/".join(map(str, path))
    if op == "type":
        new = draw(st.sampled_from([v for v in OTHER_TYPES if type(v) is not type(node)]))
        return f"type {where} -> {new!r}", replaced(value, path, new)
    if op == "null":
        return f"null {where}", replaced(value, path, None)
    if op == "drop":
        return f"drop {where}", dropped(value, path)
    if op == "extra":
        return f"extra {where}/zz_unknown", replaced(value, path, {**node, "zz_unknown": 1})
    if op == "tag":
        return f"tag {where}/type", replaced(value, path, {**node, "type": node["type"] + "_bogus"})
    if op == "string":
        variants = [
            node + " ",
            " " + node,
            node + "\n",
            "",
            "*" + node,
            node * 40 + "x" * 300,
            "\u00a0" + node,
            "bogus_value",
            node + "\t",
        ]
        new = draw(st.sampled_from(variants))
        return f"string {where} -> {new[:40]!r}", replaced(value, path, new)
    new = draw(st.sampled_from([node + 1e9, -abs(node) - 1e9, 0, -1, 1e308, node + 0.5, 2**64]))
    return f"number {where} -> {new!r}", replaced(value, path, new)

"""Errors as data: ``Issue`` (path, code, message, severity) and ``PayloadError``.

Pydantic's errors are translated here, once, for every layer (validators, reference server,
contract suite): locations become JSON pointers into the payload, union-branch noise is pruned
(a wrong ``type`` tag is one error, not one per union member), codes become voicecontract's
stable codes, and no message ever carries an input value.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from pydantic import ValidationError

from voicecontract.spec import pointer

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Issue:
    """One problem with one field: where (JSON pointer), a stable code, a message, a severity."""

    path: str
    code: str
    message: str
    severity: Severity = "error"

    def render(self) -> str:
        """Format as ``path: message [code]`` (the CLI's text format)."""
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.path or '/'}: {prefix}{self.message} [{self.code}]"

    def as_dict(self) -> dict[str, str]:
        """The issue as a JSON-ready dict."""
        return asdict(self)


class PayloadError(ValueError):
    """A payload does not match the contract. ``issues`` says where and why; no value is echoed."""

    def __init__(self, issues: Sequence[Issue], *, schema: str | None = None) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        self.schema = schema
        super().__init__(self._summary())

    def _summary(self) -> str:
        errors = [i for i in self.issues if i.severity == "error"]
        head = f"{self.schema}: " if self.schema else ""
        shown = "; ".join(i.render() for i in errors[:5])
        more = f"; and {len(errors) - 5} more" if len(errors) > 5 else ""
        return f"{head}{len(errors)} invalid field(s): {shown}{more}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, (self.issues,), {"schema": self.schema})


# pydantic error type -> voicecontract code
CODES: dict[str, str] = {
    "missing": "missing",
    "extra_forbidden": "extra_field",
    "string_type": "type",
    "int_type": "type",
    "float_type": "type",
    "bool_type": "type",
    "model_type": "type",
    "model_attributes_type": "type",
    "dict_type": "type",
    "list_type": "type",
    "none_required": "type",
    "is_instance_of": "type",
    "finite_number": "type",
    "int_parsing": "type",
    "float_parsing": "type",
    "bool_parsing": "type",
    "string_unicode": "type",
    "string_pattern_mismatch": "pattern",
    "string_too_short": "min_length",
    "string_too_long": "max_length",
    "too_short": "min_items",
    "too_long": "max_items",
    "greater_than": "minimum",
    "greater_than_equal": "minimum",
    "less_than": "maximum",
    "less_than_equal": "maximum",
    "literal_error": "enum",
    "enum": "enum",
    "union_tag_invalid": "invalid_tag",
    "union_tag_not_found": "missing_tag",
    "json_invalid": "invalid_json",
    "json_type": "type",
}

MISMATCH = {
    "string_type",
    "int_type",
    "float_type",
    "bool_type",
    "model_type",
    "model_attributes_type",
    "dict_type",
    "list_type",
    "none_required",
    "is_instance_of",
    "json_type",
}

JSON_TYPE_OF_MISMATCH = {
    "string_type": "string",
    "int_type": "integer",
    "float_type": "number",
    "bool_type": "boolean",
    "model_type": "object",
    "model_attributes_type": "object",
    "dict_type": "object",
    "list_type": "array",
    "none_required": "null",
    "is_instance_of": "object",
    "json_type": "JSON",
}


def json_type(value: Any) -> str:
    """The JSON type name of a Python value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


@dataclass
class _Located:
    tokens: tuple[str | int, ...]  # where in the data
    branches: tuple[tuple[int, str], ...]  # (data depth, union label) for each label passed
    error: Any  # pydantic_core.ErrorDetails


def _locate(loc: Sequence[str | int], data: Any, etype: str) -> _Located:
    tokens: list[str | int] = []
    branches: list[tuple[int, str]] = []
    cur = data
    for i, el in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(cur, dict) and isinstance(el, str) and el in cur:
            tokens.append(el)
            cur = cur[el]
        elif isinstance(cur, list) and isinstance(el, int) and 0 <= el < len(cur):
            tokens.append(el)
            cur = cur[el]
        elif last and etype in ("missing", "extra_forbidden"):
            tokens.append(el)
        else:
            branches.append((len(tokens), str(el)))
    return _Located(tuple(tokens), tuple(branches), {})


def _message(err: Any, code: str, value_type: str) -> str:
    etype = err["type"]
    ctx = err.get("ctx") or {}
    if etype == "missing":
        return "required field is missing"
    if etype == "extra_forbidden":
        return "unexpected field: this object does not have it"
    if code == "type":
        expected = JSON_TYPE_OF_MISMATCH.get(etype, "another type")
        return f"expected {expected}, got {value_type}"
    if etype == "string_pattern_mismatch":
        return f"does not match the required format (pattern {ctx.get('pattern')})"
    if etype == "union_tag_invalid":
        # the tag that was sent is not quoted: it is whatever the caller sent, of any length
        return (
            f"unknown {str(ctx.get('discriminator', 'type')).strip(chr(39))} (a value that names none of them); "
            f"expected one of: {ctx.get('expected_tags')}"
        )
    if etype == "union_tag_not_found":
        return f"the discriminator field {str(ctx.get('discriminator', 'type')).strip(chr(39))} is missing"
    msg = str(err.get("msg", "invalid value"))
    return msg[0].lower() + msg[1:] if msg else "invalid value"


def issues_from_validation_error(exc: ValidationError, data: Any, *, prefix: Sequence[str | int] = ()) -> list[Issue]:
    """Translate a pydantic ValidationError on ``data`` into voicecontract issues.

    Locations become JSON pointers into ``data`` (behind ``prefix``); errors of union members
    that do not even match the JSON type of the value are dropped when another member explains
    the failure better, and collapsed into one ``type`` issue when none does.
    """
    located: list[_Located] = []
    for err in exc.errors(include_url=False, include_input=False):
        item = _locate(err["loc"], data, err["type"])
        item.error = err
        located.append(item)

    # Group errors at each union fork: data position of the fork -> first label -> errors.
    keep = set(range(len(located)))
    forks: dict[tuple[tuple[str | int, ...], tuple[tuple[int, str], ...]], dict[str, list[int]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for idx, item in enumerate(located):
        for n, (depth, label) in enumerate(item.branches):
            fork_key = (item.tokens[:depth], item.branches[:n])
            forks[fork_key][label].append(idx)
    collapsed: list[Issue] = []
    for (fork_tokens, _), by_label in sorted(forks.items(), key=lambda kv: len(kv[0][1])):
        if len(by_label) < 2:
            continue

        def is_mismatch(i: int, at: tuple[str | int, ...] = fork_tokens) -> bool:
            return located[i].tokens == at and located[i].error["type"] in MISMATCH

        live = {label: [i for i in idxs if i in keep] for label, idxs in by_label.items()}
        live = {label: idxs for label, idxs in live.items() if idxs}
        if len(live) < 2:
            continue
        explaining = {label for label, idxs in live.items() if not all(is_mismatch(i) for i in idxs)}
        if explaining:
            for label, idxs in live.items():
                if label not in explaining:
                    keep.difference_update(idxs)
        else:
            expected = sorted(
                {
                    JSON_TYPE_OF_MISMATCH.get(located[i].error["type"], "another type")
                    for idxs in live.values()
                    for i in idxs
                }
            )
            for idxs in live.values():
                keep.difference_update(idxs)
            value = _value_at(data, fork_tokens)
            shown, note = _shown(fork_tokens)
            collapsed.append(
                Issue(pointer(*prefix, *shown), "type", f"expected {_or(expected)}, got {json_type(value)}{note}")
            )

    issues: list[Issue] = []
    for idx in sorted(keep):
        item = located[idx]
        err = item.error
        tokens = item.tokens
        if err["type"] == "union_tag_not_found":
            tokens = (*tokens, str((err.get("ctx") or {}).get("discriminator", "type")).strip("'"))
        code = CODES.get(err["type"], "invalid")
        value = _value_at(data, item.tokens)
        if isinstance(value, dict) and code in ("min_items", "max_items"):
            code = code.replace("items", "properties")
        shown, note = _shown(tokens)
        issues.append(Issue(pointer(*prefix, *shown), code, _message(err, code, json_type(value)) + note))
    out = list(dict.fromkeys([*issues, *collapsed]))
    return sorted(out, key=lambda i: i.path)


NAME_LIKE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")
HIDDEN_KEY = " (under a key that is not shown: it does not look like a field name)"


def _shown(tokens: Sequence[str | int]) -> tuple[tuple[str | int, ...], str]:
    """The path up to the first key of the data that is not name-like, and a note when it was cut there.

    Keys come from the caller: one that looks like a field name (``lable``) is worth naming, any other
    (a pasted secret, a line of text, a megabyte) is not repeated back.
    """
    for i, token in enumerate(tokens):
        if isinstance(token, str) and not NAME_LIKE.fullmatch(token):
            return tuple(tokens[:i]), HIDDEN_KEY
    return tuple(tokens), ""


def _or(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _value_at(data: Any, tokens: Iterable[str | int]) -> Any:
    cur = data
    for t in tokens:
        try:
            cur = cur[t]
        except (KeyError, IndexError, TypeError):
            return None
    return cur

"""Fast, seeded mutation of JSON values and of their bytes, with canaries planted in every string.

Hypothesis draws the valid starting points (tests/support/agreement.py); this module breaks them
quickly and reproducibly with ``random.Random(seed)``: thousands per second, which hypothesis'
own engine cannot reach for a campaign of 10^5 payloads.
"""

from __future__ import annotations

import json
import random
from typing import Any

from tests.support.agreement import dropped, get, nodes, replaced
from voicecontract.recipes import pem_envelope

Path = tuple[str | int, ...]


def nasty_strings(canary: str) -> list[str]:
    """Strings that have broken parsers and validators before; each carries the canary."""
    return [
        "",
        " ",
        canary,
        f" {canary} ",
        canary + "\n",
        canary + "\x00",
        canary + "\u200b",
        "\u00a0" + canary,
        "\ufeff" + canary,
        canary + "\u202e",
        canary + "😀",
        canary * 2000,
        f"Bearer {canary}",
        f"API_KEY={canary}",
        f'"{canary}"',
        f"****{canary}",
        f"your_{canary}_here",
        f"https://{canary}.example.com/" + "%" * 50,
        pem_envelope(canary),
        canary + "\\ud800",
        "\ud800" + canary,  # a lone surrogate (not encodable as UTF-8)
        "١٢٣" + canary,  # Arabic-Indic digits
        "аpi_" + canary,  # a Cyrillic а
        "{" + canary + "}",
        "${" + canary + "}",
        "' OR 1=1 --" + canary,
    ]


NUMBERS: list[Any] = [0, -1, 1, 2**31, 2**63, -(2**63) - 1, 2**200, 1e308, -1e308, 5e-324, 0.5, 1.0, -0.0,
                      float("nan"), float("inf"), 10**299]
OTHERS: list[Any] = [None, True, False, [], {}, [[]], {"": None}]


def _deep(levels: int, leaf: Any) -> Any:
    value = leaf
    for i in range(levels):
        value = [value] if i % 2 else {"a": value}
    return value


class Mutator:
    """Seeded structural mutations of a JSON value (python form) and byte-level mutations of its text."""

    def __init__(self, seed: int, canary: str) -> None:
        self.rng = random.Random(seed)
        self.strings = nasty_strings(canary)

    def value(self) -> Any:
        """Any hostile value: a string, a number, another JSON type, or something nested deep."""
        roll = self.rng.random()
        if roll < 0.5:
            return self.rng.choice(self.strings)
        if roll < 0.75:
            return self.rng.choice(NUMBERS)
        if roll < 0.95:
            return self.rng.choice(OTHERS)
        return _deep(self.rng.choice([10, 63, 65, 200]), self.rng.choice(self.strings))

    def structural(self, doc: Any, steps: int = 3) -> tuple[Any, list[str]]:
        """1..steps mutations (replace, drop, add a field, change a tag, stretch a list); what was done."""
        done: list[str] = []
        for _ in range(self.rng.randint(1, steps)):
            paths: list[Path] = nodes(doc)
            path = self.rng.choice(paths)
            node = get(doc, path)
            where = "/" + "/".join(map(str, path))
            op = self.rng.choice(["replace", "replace", "drop", "add", "tag", "stretch"])
            if op == "drop" and path:
                doc = dropped(doc, path)
            elif op == "add" and isinstance(node, dict):
                doc = replaced(doc, path, {**node, self.rng.choice(["unexpected", "type", "id", ""]): self.value()})
            elif op == "tag" and isinstance(node, dict) and "type" in node:
                doc = replaced(doc, path, {**node, "type": self.rng.choice([*self.strings[:6], 7, None])})
            elif op == "stretch" and isinstance(node, list) and node:
                doc = replaced(doc, path, node * self.rng.choice([2, 50, 300]))
            else:
                op = "replace"
                doc = replaced(doc, path, self.value())
            done.append(f"{op} {where}")
        return doc, done

    def text(self, doc: Any) -> bytes:
        """The document as JSON text (NaN and lone surrogates allowed through, as a careless client sends)."""
        try:
            return json.dumps(doc, allow_nan=True).encode("utf-8", "surrogatepass")
        except (ValueError, RecursionError):
            return b"[]"

    def bytewise(self, raw: bytes) -> tuple[bytes, str]:
        """One byte-level mutation of JSON text: flip, cut, insert, duplicate a key, splice garbage."""
        op = self.rng.choice(["flip", "cut", "insert", "dupkey", "splice", "bom", "nul"])
        data = bytearray(raw)
        at = self.rng.randrange(len(data) + 1)
        if op == "flip" and data:
            i = min(at, len(data) - 1)
            data[i] ^= 1 << self.rng.randrange(8)
        elif op == "cut":
            data = data[:at]
        elif op == "insert":
            data[at:at] = self.rng.choice([b"{", b"}", b"[", b",", b'"', b"\\", b"\xff", b"\xc3", b"1e999", b"NaN"])
        elif op == "dupkey" and raw.startswith(b"{") and len(raw) > 2:
            data = bytearray(b'{"type": 1, ' + raw[1:]) if b'"type"' in raw else bytearray(raw[:-1] + b', "a": 1, "a": 2}')
        elif op == "splice":
            data[at:at] = bytes(self.rng.randrange(256) for _ in range(self.rng.randint(1, 8)))
        elif op == "bom":
            data = bytearray(b"\xef\xbb\xbf") + data
        else:
            data[at:at] = b"\x00"
        return bytes(data), op

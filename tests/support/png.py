"""A small PNG reader (8-bit RGB/RGBA/grey, non-interlaced: what Chromium's screenshots are) for report tests."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type -> samples per pixel


@dataclass
class Image:
    """Decoded pixels as RGB tuples, row by row."""

    width: int
    height: int
    rows: list[list[tuple[int, int, int]]]

    def count(self, predicate: object) -> int:
        """How many pixels satisfy ``predicate(r, g, b)``."""
        return sum(1 for row in self.rows for px in row if predicate(*px))  # type: ignore[operator]


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def read_png(data: bytes) -> Image:
    """Decode a PNG file's bytes (raises ValueError for what it does not handle)."""
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG file")
    pos, idat, header = len(SIGNATURE), b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("no IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in CHANNELS or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}")
    n = CHANNELS[colour]
    stride = width * n
    raw = zlib.decompress(idat)
    rows: list[list[tuple[int, int, int]]] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - n] if i >= n else 0
            up = prev[i]
            upper_left = prev[i - n] if i >= n else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                line[i] = (line[i] + _paeth(left, up, upper_left)) & 0xFF
        prev = line
        if n >= 3:
            rows.append([(line[i], line[i + 1], line[i + 2]) for i in range(0, stride, n)])
        else:
            rows.append([(line[i], line[i], line[i]) for i in range(0, stride, n)])
    return Image(width, height, rows)

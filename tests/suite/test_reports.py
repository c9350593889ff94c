"""The Markdown summary and the HTML report, from real runs: one against a faulty server, one clean.

The HTML report is checked twice: parsed by a real HTML parser (content, self-containment) and
rendered by headless Chromium to a PNG whose size and pixels are checked (it is a page a person
can read, with the verdict and the coverage matrix in colour). `.ci/run` installs Chromium
(Debian's ``chromium``) when it is missing; elsewhere the render test is skipped without it, unless
CI is set, where a missing browser fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.support.agreement import SEED
from tests.support.png import read_png
from tests.support.servers import server_process
from voicecontract.spec import index

VC = [sys.executable, "-m", "voicecontract"]
TOKENS = ("report-tenant-a", "report-tenant-b")
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reports")]


@dataclass
class Reports:
    markdown: str
    html: str
    path: Path
    stdout: str


def _run(tmp: Path, *target: str) -> Reports:
    md, page = tmp / "summary.md", tmp / "report.html"
    proc = subprocess.run([*VC, "run", *target, "--phases", "examples,links", "--max-examples", "2",
                           "--seed", str(SEED), "--summary-md", str(md), "--html", str(page)],
                          capture_output=True, text=True, check=False, timeout=600, cwd=tmp)
    assert proc.returncode in (0, 1), proc.stdout[-2000:] + proc.stderr[-2000:]
    return Reports(md.read_text(encoding="utf-8"), page.read_text(encoding="utf-8"), page, proc.stdout)


@pytest.fixture(scope="module")
def failing(tmp_path_factory: pytest.TempPathFactory) -> Reports:
    tmp = tmp_path_factory.mktemp("failing")
    args = ["update_not_applied", "--token", TOKENS[0], "--token", TOKENS[1]]
    with server_process(args, module="tests.support.serve") as srv:
        return _run(tmp, "--base-url", srv.url, "--token", TOKENS[0], "--second-token", TOKENS[1])


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Reports:
    return _run(tmp_path_factory.mktemp("clean"))


# --------------------------------------------------------------------------- Markdown


def test_markdown_summary_has_verdict_table_coverage_and_failures_with_curl(failing: Reports) -> None:
    text = failing.markdown
    assert text.startswith("## voicecontract: ❌ FAILED")
    assert re.search(r"documented status codes exercised: \d+\.\d%", text)
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert {row.split("`")[1] for row in rows} == set(index().by_label)  # one row per operation of the spec
    assert "### Failures" in text and "[`write_applied`]" in text
    curl = re.search(r"```sh\n  (curl .+)\n  ```", text)
    assert curl and TOKENS[0] not in curl.group(1) and "Authorization: Bearer $TOKEN" in curl.group(1)
    assert f"--seed {SEED}" in text


def test_markdown_summary_of_a_clean_run_says_passed_and_appends(clean: Reports, tmp_path: Path) -> None:
    assert clean.markdown.startswith("## voicecontract: ✅ passed") and "### Failures" not in clean.markdown
    target = tmp_path / "step-summary.md"
    target.write_text("# earlier step\n", encoding="utf-8")
    proc = subprocess.run([*VC, "run", "--phases", "examples", "--max-examples", "1", "--seed", "1",
                           "--summary-md", str(target)], capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert target.read_text(encoding="utf-8").startswith("# earlier step\n## voicecontract")  # $GITHUB_STEP_SUMMARY


# --------------------------------------------------------------------------- HTML, parsed


class Page(HTMLParser):
    """What a browser would fetch and what the page says."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.external: list[str] = []  # every URL-valued attribute
        self.cells: list[tuple[str, str]] = []  # (class, text) of every td
        self.rows: list[list[str]] = []  # th/td texts per tr
        self.text: list[str] = []
        self._cell: list[str] | None = None
        self._cls = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "data", "poster") and value:
                self.external.append(value)
            if name == "style" and value and "url(" in value:
                self.external.append(value)
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell, self._cls = [], dict(attrs).get("class") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            content = "".join(self._cell).strip()
            if tag == "td":
                self.cells.append((self._cls, content))
            if self.rows:
                self.rows[-1].append(content)
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def test_html_report_is_self_contained(failing: Reports, clean: Reports) -> None:
    for html in (failing.html, clean.html):
        page = _parse(html)
        assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
        assert "iframe" not in page.tags and "object" not in page.tags
        assert page.external == [], page.external
        assert "@import" not in html and "url(" not in html


def test_html_report_shows_verdict_matrix_links_and_masked_failures(failing: Reports) -> None:
    page = _parse(failing.html)
    text = " ".join(page.text)
    assert "FAILED:" in text and f"seed {SEED}" in text
    spec = index()
    documented = sorted({str(code) for op in spec.operations.values() for code in op.statuses})
    header = next(r for r in page.rows if r[:3] == ["operation", "cases", "failures"])
    assert header[3:] == documented  # a column per documented status code
    matrix = [r for r in page.rows if r and r[0] in spec.by_label]
    assert {r[0] for r in matrix} == set(spec.by_label)  # a row per operation
    kinds = {cls for cls, text in page.cells if text.isdigit() or (cls, text) == ("none", "")}  # matrix cells
    assert {"hit", "miss", "fail", "none"} <= kinds
    update = next(r for r in matrix if r[0] == "POST /v1/agents/update")
    assert int(update[2]) > 0  # the faulty operation's row counts its failures
    assert re.search(r"Links \(\d+/\d+ followed\)", text)
    assert "write_applied" in text
    assert "curl " in text and TOKENS[0] not in failing.html and "Bearer $TOKEN" in text


def test_html_report_of_a_clean_run_has_no_failure_cells(clean: Reports) -> None:
    page = _parse(clean.html)
    assert "PASSED:" in " ".join(page.text)
    assert not [c for c in page.cells if c[0] == "fail" and c[1].isdigit()]  # no matrix cell failed


# --------------------------------------------------------------------------- HTML, rendered


def _browser() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install Chromium for this test (.ci/run does: apt-get install chromium)")
        pytest.skip("no Chromium here (Debian: apt-get install chromium)")
    return found


WIDTH, HEIGHT = 1000, 1400


def test_html_report_renders_in_headless_chromium(failing: Reports, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    proc = subprocess.run([_browser(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--no-first-run", "--disable-extensions", "--user-data-dir=" + str(tmp_path / "profile"),
                           f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={shot}", failing.path.as_uri()],
                          capture_output=True, text=True, check=False, timeout=120,
                          env={**os.environ, "HOME": str(tmp_path)})
    assert shot.is_file(), proc.stderr[-2000:]
    image = read_png(shot.read_bytes())
    assert (image.width, image.height) == (WIDTH, HEIGHT)
    total = WIDTH * HEIGHT
    ink = image.count(lambda r, g, b: r + g + b < 600)  # text and borders
    red = image.count(lambda r, g, b: r > 180 and g < 80 and b < 80)  # the FAILED verdict (#cf222e)
    green = image.count(lambda r, g, b: r < 190 and g > 220 and b < 200)  # hit cells (#aceebb)
    amber = image.count(lambda r, g, b: r > 240 and g > 230 and b < 200)  # miss cells (#fff1b8)
    assert ink > total * 0.01, f"almost blank: {ink} dark pixels"
    assert red > 500 and green > 500 and amber > 100, (red, green, amber)


def _encode(pixels: list[list[tuple[int, int, int]]], filters: list[int]) -> bytes:
    """A PNG with the given filter type per row (the inverse of each filter, as an encoder applies it)."""
    import struct
    import zlib

    from tests.support.png import _paeth

    width, raw, prev = len(pixels[0]), b"", bytes(3 * len(pixels[0]))
    for row, kind in zip(pixels, filters, strict=True):
        line = bytes(v for px in row for v in px)
        out = bytearray()
        for i, v in enumerate(line):
            left, up, ul = (line[i - 3] if i >= 3 else 0), prev[i], (prev[i - 3] if i >= 3 else 0)
            pred = [0, left, up, (left + up) >> 1, _paeth(left, up, ul)][kind]
            out.append((v - pred) & 0xFF)
        raw += bytes([kind]) + bytes(out)
        prev = line

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, len(pixels), 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def test_the_png_reader_undoes_every_filter_type() -> None:
    pixels = [[((x * 37 + y * 11) % 256, (x * y) % 256, (255 - x * 13) % 256) for x in range(7)] for y in range(5)]
    image = read_png(_encode(pixels, [0, 1, 2, 3, 4]))
    assert (image.width, image.height) == (7, 5) and image.rows == pixels
    with pytest.raises(ValueError, match="not a PNG"):
        read_png(b"GIF89a")

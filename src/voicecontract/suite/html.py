"""The reports people read: a Markdown summary for CI job pages, and one self-contained HTML file.

Both are rendered from the ``RunResult`` alone (already masked). The HTML file has no script and
no link to anything outside itself: its style is inline, so it opens the same offline, in a CI
artifact viewer or attached to an e-mail.
"""

from __future__ import annotations

from html import escape

from voicecontract.suite.result import RunResult

CELL = {
    "hit": "seen",
    "miss": "documented, never seen",
    "fail": "seen, and a contract failure",
    "none": "not documented",
}
STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1f2328;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.verdict{display:inline-block;padding:6px 14px;border-radius:6px;font-weight:700;color:#fff;margin:8px 0}
.passed{background:#1a7f37}.failed{background:#cf222e}
table{border-collapse:collapse;margin:6px 0}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.hit{background:#aceebb}td.miss{background:#fff1b8}td.fail{background:#ffb3b3;font-weight:700}
td.none{background:#f6f8fa;color:#8c959f}code,pre{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
pre{background:#f6f8fa;padding:8px;white-space:pre-wrap;word-break:break-all;margin:4px 0}
.meta{color:#57606a}.failure{border-left:4px solid #cf222e;padding:4px 12px;margin:12px 0}
"""


def _statuses(result: RunResult) -> list[str]:
    return sorted({code for documented, _ in result.coverage.values() for code in documented})


def _cell(result: RunResult, label: str, code: str) -> str:
    documented, seen = result.coverage.get(label, (set(), set()))
    failed = any(f.status is not None and str(f.status) == code for f in result.failures_of(label))
    if code not in documented:
        return "fail" if failed else "none"
    if failed:
        return "fail"
    return "hit" if code in seen else "miss"


def summary_markdown(result: RunResult) -> str:
    """A Markdown summary fit for a CI job summary: verdict, a table per operation, coverage, failures with curl."""
    verdict = "✅ passed" if result.passed else "❌ FAILED"
    lines = [
        f"## voicecontract: {verdict}",
        "",
        f"{result.cases} cases against `{result.target}`, {len(result.failures)} failure(s), "
        f"{result.elapsed:.1f} s, seed `{result.seed}`; documented status codes exercised: "
        f"{result.coverage_percent:.1f}%",
        "",
        "| operation | cases | failures | status codes seen | never seen |",
        "|---|---:|---:|---|---|",
    ]
    for label, (documented, seen) in sorted(result.coverage.items(), key=lambda kv: kv[0].split(" ", 1)[-1]):
        stats = result.operations.get(label)
        cases, failures = (stats.cases, stats.failures) if stats else (0, 0)
        codes = " ".join(f"{c}×{n}" for c, n in sorted(stats.statuses.items())) if stats else ""
        missing = ", ".join(sorted(documented - seen)) or "—"
        lines.append(f"| `{label}` | {cases} | {failures} | {codes} | {missing} |")
    followed = sum(1 for o in result.links.values() if o.followed)
    lines += ["", f"Links followed: {followed}/{len(result.links)}."]
    for note in result.notes:
        lines.append(f"> **Note:** {note}")
    if result.failures:
        lines += ["", "### Failures", ""]
        for f in result.failures:
            where = f" at `{f.issue.path}`" if f.issue.path else ""
            lines.append(f"- **`{f.operation}`** [`{f.check}`] {f.title}{where} ({f.phase} phase)")
            if f.curl:
                lines += ["  ```sh", f"  {f.curl}", "  ```"]
    lines += ["", f"Reproduce: `voicecontract run --seed {result.seed} …`", ""]
    return "\n".join(lines)


def html_report(result: RunResult) -> str:
    """One self-contained HTML page: verdict, the operations × status codes matrix, links, notes, failures."""
    e = escape
    codes = _statuses(result)
    state = "passed" if result.passed else "failed"
    rows = []
    for label in sorted(result.coverage, key=lambda lab: lab.split(" ", 1)[-1]):
        stats = result.operations.get(label)
        cells = "".join(
            f'<td class="{kind}" title="{e(CELL[kind])}">{e(code) if kind != "none" else ""}</td>'
            for code in codes
            for kind in [_cell(result, label, code)]
        )
        cases = stats.cases if stats else 0
        fails = stats.failures if stats else 0
        rows.append(f"<tr><th><code>{e(label)}</code></th><td>{cases}</td><td>{fails}</td>{cells}</tr>")
    header = "".join(f"<th>{e(c)}</th>" for c in codes)
    links = "".join(
        f"<tr><td><code>{e(name)}</code></td><td class=\"{'hit' if o.followed else 'fail'}\">"
        f"{'followed' if o.followed else 'not followed'}</td><td>{e(o.reason)}</td></tr>"
        for name, o in sorted(result.links.items())
    )
    failures = "".join(
        f'<div class="failure"><b><code>{e(f.operation)}</code></b> [<code>{e(f.check)}</code>] {e(f.title)}'
        + (f" at <code>{e(f.issue.path)}</code>" if f.issue.path else "")
        + f' <span class="meta">({e(f.phase)} phase, seed {f.seed})</span>'
        + (f"<pre>{e(f.detail)}</pre>" if f.detail else "")
        + (f"<pre>{e(f.curl)}</pre>" if f.curl else "")
        + "</div>"
        for f in result.failures
    ) or "<p>None.</p>"
    notes = "".join(f"<li>{e(n)}</li>" for n in result.notes)
    left = ", ".join(f"{n} × {e(k)}" for k, n in sorted(result.left_behind.items())) or "nothing"
    key = "".join(f'<td class="{k}">{e(v)}</td>' for k, v in CELL.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>voicecontract: {state}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>{STYLE}</style></head>
<body>
<h1>voicecontract contract run</h1>
<div class="meta">{e(result.spec_title)} &middot; target <code>{e(result.target)}</code></div>
<div class="verdict {state}">{"PASSED" if result.passed else "FAILED"}: {len(result.failures)} failure(s)</div>
<div class="meta">{result.cases} cases &middot; {result.elapsed:.1f} s &middot; seed <code>{result.seed}</code>
&middot; documented status codes exercised: {result.coverage_percent:.1f}%</div>
<h2>Operations &times; documented status codes</h2>
<table><tr><th>operation</th><th>cases</th><th>failures</th>{header}</tr>{"".join(rows)}</table>
<table class="legend"><tr>{key}</tr></table>
<h2>Links ({sum(1 for o in result.links.values() if o.followed)}/{len(result.links)} followed)</h2>
<table><tr><th>link</th><th>outcome</th><th>reason</th></tr>{links}</table>
<h2>Failures</h2>{failures}
<h2>Notes</h2><ul>{notes or "<li>none</li>"}</ul>
<p class="meta">Left behind on the target: {left}.
Reproduce with <code>voicecontract run --seed {result.seed}</code>.</p>
</body></html>
"""

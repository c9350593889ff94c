"""Rendering a run's result at the edge: console summary, JUnit XML, JSON, Markdown and HTML (all masked already)."""

from __future__ import annotations

import json
from collections import defaultdict
from xml.sax.saxutils import escape, quoteattr

from voicecontract.suite.html import html_report, summary_markdown
from voicecontract.suite.options import RunOptions
from voicecontract.suite.result import RUN_LEVEL, UNEXPECTED_METHODS, Failure, RunResult

LINKS_ITEM = "links"


def summary(result: RunResult, *, fail_under: float | None = None) -> str:
    """The human summary: per-operation table, coverage, links, notes, failures with how to reproduce them."""
    lines = ["", f"{'operation':<52} {'cases':>6} {'fail':>5}  status codes seen"]
    for label, stats in sorted(result.operations.items(), key=lambda kv: kv[0].split(" ", 1)[-1]):
        codes = " ".join(f"{c}×{n}" for c, n in sorted(stats.statuses.items()))
        lines.append(f"{label:<52} {stats.cases:>6} {stats.failures:>5}  {codes}")
    lines.append(f"{'total':<52} {result.cases:>6} {len(result.failures):>5}")
    lines.append("")
    lines.append(
        f"coverage: {result.coverage_percent:.1f}% of documented status codes exercised"
        + (f" (required: {fail_under:.1f}%)" if fail_under is not None else "")
    )
    for label, (documented, seen) in sorted(result.coverage.items()):
        missing = sorted(documented - seen)
        if missing:
            lines.append(f"  {label:<52} never saw {', '.join(missing)}")
    followed = [k for k, v in result.links.items() if v.followed]
    lines.append(f"links followed (links phase): {len(followed)}/{len(result.links)}")
    for link, outcome in sorted(result.links.items()):
        if not outcome.followed:
            lines.append(f"  not followed: {link}: {outcome.reason}")
    if result.stateful_links:
        lines.append(
            f"links followed by the stateful phase: {len(result.stateful_links)} distinct, "
            f"{sum(result.stateful_links.values())} times"
        )
    unreached = result.unreached
    lines.append("operations never reached with a 2xx: " + (", ".join(unreached) if unreached else "none"))
    if result.left_behind:
        rest = ", ".join(f"{n} × {kind}" for kind, n in sorted(result.left_behind.items()))
        lines.append(f"left behind on the target (no delete in the spec, or the delete failed): {rest}")
    for note in result.notes:
        lines.append(f"NOTE: {note}")
    if result.failures:
        lines.append("")
        lines.append(f"{len(result.failures)} contract failure(s):")
        by_op: dict[str, list[Failure]] = defaultdict(list)
        for f in result.failures:
            by_op[f.operation].append(f)
        for op, failures in by_op.items():
            for f in failures:
                where = f" at {f.issue.path}" if f.issue.path else ""
                lines.append(f"- {op}: [{f.check}] {f.title}{where} ({f.phase} phase)")
                for detail in f.detail.strip().splitlines()[:6]:
                    lines.append(f"    {detail[:200]}")
                if f.curl:
                    lines.append(f"    reproduce: {f.curl}")
                lines.append(f"    seed: {f.seed} (voicecontract run --seed {f.seed} …)")
    lines.append("")
    verdict = "FAILED" if result.failures else "passed"
    lines.append(
        f"{verdict}: {result.cases} cases, {len(result.failures)} failure(s), "
        f"{result.elapsed:.1f} s, seed {result.seed}"
    )
    return "\n".join(lines)


def items(result: RunResult) -> list[str]:
    """The test items a run is reported as: every operation, the links, and the catch-alls that have failures."""
    labels = [label for label in result.coverage]
    labels.append(LINKS_ITEM)
    for extra in (UNEXPECTED_METHODS, RUN_LEVEL):
        if result.failures_of(extra):
            labels.append(extra)
    return labels


def junit_xml(result: RunResult) -> str:
    """JUnit XML: one test case per operation (and one for the links), failures masked."""
    cases = []
    for label in items(result):
        failures = result.failures_of(label)
        body = "".join(
            f"<failure message={quoteattr(f'[{f.check}] {f.title}')}>"
            f"{escape(f.detail)}\n\nreproduce: {escape(f.curl)}\nseed: {f.seed}</failure>"
            for f in failures
        )
        classname = "voicecontract.links" if label == LINKS_ITEM else "voicecontract.operations"
        cases.append(f'<testcase classname={quoteattr(classname)} name={quoteattr(label)} time="0">{body}</testcase>')
    n_fail = sum(1 for c in cases if "<failure" in c)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<testsuites><testsuite name="voicecontract" tests="{len(cases)}" failures="{n_fail}" errors="0" '
        f'time="{result.elapsed:.2f}">{"".join(cases)}</testsuite></testsuites>\n'
    )


def write_reports(result: RunResult, options: RunOptions) -> list[str]:
    """Write the reports asked for; return their paths."""
    written = []
    if options.junit_xml:
        with open(options.junit_xml, "w", encoding="utf-8") as fh:
            fh.write(junit_xml(result))
        written.append(options.junit_xml)
    if options.report:
        with open(options.report, "w", encoding="utf-8") as fh:
            json.dump(result.as_dict(), fh, indent=2, ensure_ascii=False)
        written.append(options.report)
    if options.summary_md:
        with open(options.summary_md, "a", encoding="utf-8") as fh:  # appends, as $GITHUB_STEP_SUMMARY expects
            fh.write(summary_markdown(result))
        written.append(options.summary_md)
    if options.html:
        with open(options.html, "w", encoding="utf-8") as fh:
            fh.write(html_report(result))
        written.append(options.html)
    return written

"""A grade report as text, as ``--json`` and as a Gradescope autograder result."""
from __future__ import annotations

from ..formatting import json_safe
from .grade import Report


def report_json(report: Report) -> dict:
    """``cli.md``'s object: ok, score, max_score, one claim per claim and missing gradient."""
    return {"ok": report.ok, "score": report.score, "max_score": report.max_score,
            "claims": [{"name": v.name, "node": v.node, "line": v.line, "code": v.code,
                        "message": v.message, "expected": json_safe(v.expected),
                        "got": json_safe(v.got)} for v in report.claims]}


def gradescope_json(report: Report) -> dict:
    """The same as a Gradescope autograder result (``results.json``): one test per
    claim, worth one point, its output the verdict's sentence."""
    tests = []
    for k, v in enumerate(report.claims, 1):
        where = f" (line {v.line})" if v.line is not None else ""
        tests.append({"name": f"{v.name}{where}", "number": str(k),
                      "score": 1.0 if v.ok else 0.0, "max_score": 1.0,
                      "status": "passed" if v.ok else "failed",
                      "output": f"{v.code}: {v.message}", "visibility": "visible"})
    return {"score": float(report.score), "max_score": float(report.max_score),
            "output": summary(report), "visibility": "visible", "tests": tests}


def summary(report: Report) -> str:
    if not report.claims:
        return "nothing to grade: the answer gives no gradient and none is required"
    wrong = report.max_score - report.score
    tail = "every gradient is right" if report.ok else \
        f"{wrong} {'is' if wrong == 1 else 'are'} not right"
    return f"score {report.score}/{report.max_score}: {tail}"


def report_text(report: Report) -> str:
    """One block per claim, ✓ or ✗, code and sentence; the score last."""
    lines = []
    for v in report.claims:
        mark = "✓" if v.ok else "✗"
        where = f"line {v.line}" if v.line is not None else "missing"
        lines.append(f"{mark} {where}: {v.name}: {v.code}")
        lines.append(f"    {v.message}")
    lines.append(summary(report))
    return "\n".join(lines)

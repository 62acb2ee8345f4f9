"""The load report: one JSON-ready dict (``--json-report``), the HTML page renders the same dict,
and the terminal summary is a few lines of it."""

from __future__ import annotations

from typing import Any

from mockscim import __version__
from mockscim.load.metrics import timeline
from mockscim.load.reconcile import failures


def build_report(
    result: dict[str, Any], reconciliation: dict[str, Any], settings: dict[str, Any], max_error_rate: float
) -> dict[str, Any]:
    """The whole report: what was sent, how the target answered, and whether it held."""
    counters = result["counters"]
    flows = counters["operations"]
    finished = sum(sum(c.values()) for c in flows.values())
    failed = sum(c.get("failed", 0) for c in flows.values())
    error_rate = failed / finished if finished else 0.0
    reasons = failures(reconciliation)
    if error_rate > max_error_rate:
        reasons.append(
            f"error budget: {failed} of {finished} flows failed ({error_rate:.1%} > {max_error_rate:.1%})"
        )
    return {
        "tool": f"mockscim load {__version__}",
        "settings": settings,
        "run": {
            "mode": result["mode"],
            "duration_s": result["duration_s"],
            "stopped_by": result["stopped_by"],
            "requests": result["total"]["requests"],
            "throughput_rps": result["total"]["rps"],
            "workers": result["workers"],
        },
        "operations": result["operations"],
        "total": result["total"],
        "statuses": _statuses(counters["statuses"]),
        "errors": result["errors"],
        "retries": _retries(counters, settings["retry"]["wait_cap_seconds"]),
        "flows": {"counts": flows, "failures": counters["failures"], "error_rate": round(error_rate, 4)},
        "imports": _imports(counters["imports"]),
        "timeline": timeline(result["series"]),
        "reconciliation": reconciliation,
        "verdict": {"passed": not reasons, "exit_code": 1 if reasons else 0, "reasons": reasons},
    }


def _statuses(by_operation: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Answers by status, overall and per Okta operation ("0" means no answer came)."""
    total: dict[str, int] = {}
    for counts in by_operation.values():
        for status, n in counts.items():
            total[status] = total.get(status, 0) + n
    return {"all": dict(sorted(total.items())), "by_operation": by_operation}


def _retries(counters: dict[str, Any], cap: float | None) -> dict[str, Any]:
    """Retries by the status that caused them, and the waits (as Okta would, and as made)."""
    waits = counters["waits"]
    return {
        "total": sum(counters["retries"].values()),
        "by_status": dict(sorted(counters["retries"].items())),
        "okta_wait_s": round(waits.get("okta_seconds", 0.0), 3),
        "waited_s": round(waits.get("waited_seconds", 0.0), 3),
        "wait_cap_s": cap,
        "waits_capped": cap is not None and waits.get("waited_seconds", 0) < waits.get("okta_seconds", 0),
    }


def _imports(passes: list[dict[str, Any]]) -> dict[str, Any]:
    """Import passes (§4): how many, pages read, and the most users one pass saw."""
    users = [p for p in passes if p["kind"] == "users"]
    return {
        "passes": len(users),
        "pages": sum(p["pages"] for p in passes),
        "most_users_seen": max((p["seen"] for p in users), default=0),
        "short_passes": sum(1 for p in users if p["seen"] < p["totalResults"]),
    }


def summary(report: dict[str, Any]) -> str:
    """The closing lines in the terminal: per operation, retries, reconciliation, verdict."""
    run, retries = report["run"], report["retries"]
    lines = [
        f"{'operation':<16} {'method':<6} {'requests':>8} {'failed':>6} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}"
    ]
    for row in [*report["operations"], report["total"]]:
        lines.append(
            f"{row['operation']:<16} {row['method']:<6} {row['requests']:>8} {row['failures']:>6} "
            f"{row['rps']:>7.1f} {row['p50_ms']:>6.0f} {row['p95_ms']:>6.0f} {row['p99_ms']:>6.0f}"
        )
    statuses = ", ".join(f"{s}: {n}" for s, n in report["statuses"]["all"].items())
    lines.append(f"answers by status: {statuses}")
    capped = (
        f" (capped by --retry-wait-cap {retries['wait_cap_s']} s; Okta would have waited {retries['okta_wait_s']} s)"
        if retries["waits_capped"]
        else ""
    )
    by_status = ", ".join(f"after {s}: {n}" for s, n in retries["by_status"].items()) or "none"
    lines.append(f"retries: {retries['total']} ({by_status}); waited {retries['waited_s']} s{capped}")
    rec = report["reconciliation"]
    lines.append(
        f"reconciliation: {rec['checked']['users']} users and {rec['checked']['groups']} groups checked, "
        f"{len(rec['differences'])} differences, {len(rec['load_findings'])} load findings, {len(rec['unchecked'])} facts unchecked"
    )
    lines += [f"  FAIL {reason}" for reason in report["verdict"]["reasons"]]
    verdict = "PASS: the target held and reconciled" if report["verdict"]["passed"] else "FAIL"
    lines.append(
        f"{verdict} ({run['requests']} requests in {run['duration_s']:.1f} s, {run['throughput_rps']:.1f} req/s)"
    )
    return "\n".join(lines)

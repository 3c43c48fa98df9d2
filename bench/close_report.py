"""Counting and reporting for bench/close_codes.py: the table of one run, the one
machine-readable RESULT line per case, and the summary that merges the RESULT lines of
several runs (close_codes.sh runs one per case and target, and one per trial for the
shutdown case, whose daemon does not survive a trial).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Iterable

RESULT_PREFIX = "RESULT "

# The order of the summary's columns, and their headings.
TARGETS = {"direct": "direct", "nginx": "through nginx"}


def outcome_key(code: int | None, reason: str, expected_reason: str | None) -> str:
    """How one trial is counted: the close code the client saw, 1006 when no close
    frame arrived (as a client library reports it). A code with the wrong fixed reason
    text (the two 1001 and the two 1008 of docs/protocol.md) is counted apart."""
    if code is None:
        return "1006"
    if expected_reason is not None and reason != expected_reason:
        return f"{code} {reason!r}"
    return str(code)


def result_line(case: str, target: str, expected: int, what: str, counts: Counter, sent_all: int,
                resets: dict) -> str:
    """sent_all: trials whose client had no send left in progress when the close came;
    resets: how many connections ended with each error (not judged, reported)."""
    trials = sum(counts.values())
    record = {
        "case": case,
        "target": target,
        "expected": expected,
        "what": what,
        "trials": trials,
        "codes": dict(counts.most_common()),
        "pass": trials > 0 and counts[str(expected)] == trials,
        "sent_all_before_close": sent_all,
        "ended_by_error": resets,
    }
    return RESULT_PREFIX + json.dumps(record)


def describe(counts: dict, expected: int) -> str:
    """'97 × 1009, 3 × 1006', the expected code first."""
    keys = sorted(counts, key=lambda k: (k != str(expected), -counts[k], k))
    return ", ".join(f"{counts[k]} × {k}" for k in keys) or "no trials"


def resets_note(record: dict) -> str:
    """' (3 resets)': connections that ended in an error (a reset), when any did."""
    n = sum(record.get("ended_by_error", {}).values())
    return f" ({n} reset{'s' if n != 1 else ''})" if n else ""


def run_table(case: str, target: str, expected: int, what: str, counts: Counter) -> str:
    lines = [
        f"case {case} via {target}: {what}; expect {expected}; {sum(counts.values())} trials",
        "| close code seen | trials |",
        "|---|---|",
    ]
    for key, n in sorted(counts.items(), key=lambda kv: (kv[0] != str(expected), -kv[1])):
        label = f"{key} (no close frame)" if key == "1006" else key
        lines.append(f"| {label} | {n} |")
    return "\n".join(lines)


def read_results(lines: Iterable[str]) -> list[dict]:
    return [json.loads(line[len(RESULT_PREFIX):]) for line in lines if line.startswith(RESULT_PREFIX)]


def merge(records: list[dict]) -> dict[tuple[str, str], dict]:
    """Sums the counts of records of the same case and target, in first-seen order."""
    merged: dict[tuple[str, str], dict] = {}
    for r in records:
        key = (r["case"], r["target"])
        into = merged.setdefault(key, {**r, "codes": {}, "trials": 0, "sent_all_before_close": 0,
                                       "ended_by_error": {}})
        into["trials"] += r["trials"]
        into["sent_all_before_close"] += r.get("sent_all_before_close", 0)
        for error, n in r.get("ended_by_error", {}).items():
            into["ended_by_error"][error] = into["ended_by_error"].get(error, 0) + n
        for code, n in r["codes"].items():
            into["codes"][code] = into["codes"].get(code, 0) + n
    for r in merged.values():
        r["pass"] = r["trials"] > 0 and r["codes"].get(str(r["expected"]), 0) == r["trials"]
    return merged


def summary(records: list[dict], expected: list[tuple[str, str]]) -> tuple[str, int, int]:
    """The markdown table (one row per case, a column per target), one ok/not ok line
    per case and target, and the counts of those that passed and failed. A pair of
    `expected` (case, target) without a record failed: its client did not report."""
    merged = merge(records)
    cases = list(dict.fromkeys([case for case, _ in merged] + [case for case, _ in expected]))
    targets = [t for t in TARGETS if any((c, t) in merged for c in cases) or any(t == et for _, et in expected)]
    head = "| case | what the client does | expected | trials | " + " | ".join(TARGETS[t] for t in targets) + " |"
    lines = [head, "|---|---|---|---|" + "---|" * len(targets)]
    for case in cases:
        first = next((merged[(case, t)] for t in targets if (case, t) in merged), None)
        if first is None:
            lines.append(f"| {case} | | | 0 | " + " | ".join("no result" for _ in targets) + " |")
            continue
        cells = []
        for t in targets:
            r = merged.get((case, t))
            cells.append("not run" if r is None else describe(r["codes"], r["expected"]) + resets_note(r))
        trials = " / ".join(dict.fromkeys(str(merged[(case, t)]["trials"]) for t in targets if (case, t) in merged))
        lines.append(f"| {case} | {first['what']} | {first['expected']} | {trials} | " + " | ".join(cells) + " |")
    passed = failed = 0
    verdicts = []
    for (case, target), r in merged.items():
        good = r["codes"].get(str(r["expected"]), 0)
        line = f"{case} via {target}: {good} of {r['trials']} closed with {r['expected']}"
        if r["pass"]:
            passed += 1
            verdicts.append("ok - " + line)
        else:
            failed += 1
            verdicts.append(f"not ok - {line} ({describe(r['codes'], r['expected'])})")
    for case, target in expected:
        if (case, target) not in merged:
            failed += 1
            verdicts.append(f"not ok - {case} via {target}: no result (the client failed; see its output above)")
    return "\n".join(lines + [""] + verdicts), passed, failed

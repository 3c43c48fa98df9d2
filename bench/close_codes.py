#!/usr/bin/python3
"""Counts the WebSocket close codes a client sees when duetd closes its connection
(issue #14): N trials per case, each on a fresh connection, each counted by the code
of the close frame the client got, or 1006 when none arrived.

  close_codes.py --url ws://127.0.0.1:PORT/ws --target direct|nginx
                 [--trials 100] [--cases a,b,...] [--daemon-pid PID]
  close_codes.py --plan [--cases a,b,...]          what close_codes.sh needs per case
  close_codes.py --summary FILE... [--cases a,b,...] [--targets direct,nginx]
                                                    merge RESULT lines, judge them

A run prints, per case, a table of the codes seen and one machine-readable line
"RESULT {json}". --summary merges such lines (from several runs) into one table with
a column per target and ends with "N passed, M failed": a case passes on a target when
every trial saw the expected code. The daemon must run with each case's flags (--plan
lists them); bench/close_codes.sh does all of that. Needs Debian's python3-websockets
(so run it with /usr/bin/python3).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections import Counter
from dataclasses import dataclass

import websockets

from close_cases import BY_NAME, CASES, Case, Connections
from close_report import outcome_key, read_results, result_line, run_table, summary

# Generous for a loaded machine: the slowest case (slow consumer) floods megabytes.
DRIVE_SECONDS = 20
# How long after the drive the close frame may still take to arrive.
CLOSE_SECONDS = 15


async def finish(ws) -> None:
    """Lets a connection end its close handshake for a moment, then cuts it, so no
    trial leaves a connection behind for the next."""
    try:
        await asyncio.wait_for(ws.close(), 1)
    except Exception:
        pass
    if ws.transport is not None:
        ws.transport.abort()


@dataclass
class Trial:
    outcome: str  # how it counts: close_report.outcome_key, or why no code was seen
    problem: str | None = None  # why the drive failed, when it did
    sent_all_before_close: bool = False
    ended_by: str | None = None  # the error the connection ended with (a reset), if any


async def one_trial(case: Case, url: str, ctx: dict) -> Trial:
    conns = Connections()
    problem = None
    try:
        await asyncio.wait_for(case.drive(url, conns, ctx), DRIVE_SECONDS)
    except websockets.ConnectionClosed:
        pass  # the close came while a step of the drive waited: it is what we count
    except asyncio.TimeoutError:
        problem = f"the drive took more than {DRIVE_SECONDS} s"
    except Exception as e:  # noqa: BLE001: any failure is reported, never fatal to the run
        problem = f"{type(e).__name__}: {e}"
    ws = conns.watched
    if ws is None:
        return Trial("no connection", problem)
    try:
        # websockets' reader ends when the close frame arrives, or when the connection
        # ends without one; waiting for the whole close handshake would only add time.
        # (asyncio.wait, not wait_for: the reader may end cancelled, which is no error here.)
        _, pending = await asyncio.wait({ws.transfer_data_task}, timeout=CLOSE_SECONDS)
        if pending:
            outcome = f"no close within {CLOSE_SECONDS} s"
        else:
            rcvd = ws.close_rcvd
            outcome = outcome_key(rcvd.code if rcvd else None, rcvd.reason if rcvd else "", case.reason)
    finally:
        for c in [ws] + conns.others:
            await finish(c)
    return Trial(outcome, problem, conns.sent_all_before_close, ws.ended_by)


async def run_case(case: Case, url: str, target: str, trials: int, ctx: dict) -> str:
    counts: Counter = Counter()
    problems: Counter = Counter()
    resets: Counter = Counter()
    sent_all = 0
    for _ in range(trials):
        trial = await one_trial(case, url, ctx)
        counts[trial.outcome] += 1
        sent_all += trial.sent_all_before_close
        if trial.problem:
            problems[trial.problem] += 1
        if trial.ended_by:
            resets[trial.ended_by] += 1
    print(run_table(case.name, target, case.expected, case.what, counts))
    for problem, n in problems.most_common(5):
        print(f"# {n} trial(s): {problem}")
    if sent_all:
        print(f"# {sent_all} of {trials} trial(s): the client had sent all it meant to before the close"
              " frame arrived (it was not still sending)")
    if resets:
        print(f"# {sum(resets.values())} of {trials} trial(s): the connection ended in an error, not a clean close: "
              + ", ".join(f"{n} × {name}" for name, n in resets.most_common()))
    line = result_line(case.name, target, case.expected, case.what, counts, sent_all, dict(resets))
    print(line, flush=True)
    return line


def selected(names: str | None) -> list[Case]:
    if not names:
        return CASES
    unknown = [n for n in names.split(",") if n not in BY_NAME]
    if unknown:
        sys.exit(f"close_codes.py: no case {', '.join(unknown)}; cases: {', '.join(BY_NAME)}")
    return [BY_NAME[n] for n in names.split(",")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="the daemon's WebSocket, ws://HOST:PORT/ws (direct or through nginx)")
    parser.add_argument("--target", choices=["direct", "nginx"], help="what --url is, for the report")
    parser.add_argument("--trials", type=int, default=100, help="trials per case")
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    parser.add_argument("--daemon-pid", type=int, help="the daemon's pid (the shutdown case signals it)")
    parser.add_argument("--plan", action="store_true",
                        help="print 'case shared|own-daemon duetd-flags...' per case and exit")
    parser.add_argument("--summary", nargs="+", metavar="FILE", help="merge the RESULT lines of FILEs")
    parser.add_argument("--targets", help="with --summary: the targets every case of --cases must have"
                        " a result for (comma-separated, direct and/or nginx)")
    args = parser.parse_args()

    if args.summary:
        lines = []
        for path in args.summary:
            with open(path, encoding="utf-8") as f:
                lines += f.read().splitlines()
        targets = args.targets.split(",") if args.targets else []
        expected = [(case.name, target) for case in selected(args.cases) for target in targets]
        table, passed, failed = summary(read_results(lines), expected)
        print(table)
        print(f"{passed} passed, {failed} failed")
        return 0 if failed == 0 and passed > 0 else 1

    if args.plan:
        for case in selected(args.cases):
            own = "own-daemon" if case.needs_own_daemon else "shared"
            print(case.name, own, *case.daemon_flags)
        return 0

    if not args.url or not args.target:
        parser.error("--url and --target are needed (or --plan, or --summary)")
    # A reset connection is what some trials are about: asyncio's and websockets' own
    # reports of it would bury the tables.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    logging.getLogger("websockets").setLevel(logging.CRITICAL)
    ctx = {"daemon_pid": args.daemon_pid}
    for case in selected(args.cases):
        asyncio.run(run_case(case, args.url, args.target, args.trials, ctx))
    return 0


if __name__ == "__main__":
    sys.exit(main())

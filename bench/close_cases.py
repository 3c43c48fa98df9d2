"""The cases of bench/close_codes.py: each one provokes one close that duetd starts
(docs/protocol.md, section 8) on a fresh WebSocket connection, and says which code a
client should then see.

Issue #14: through nginx, a close that duetd starts while the client is still sending
can reach the client as 1006 (no close frame) instead of the code duetd sent. So every
case keeps its client sending when the close comes: a big frame goes out in one send(),
so most of it is still on its way (in the kernel, in nginx) when duetd refuses it from
its first bytes, and the other cases keep writing frames after the one that provokes
the close.

A case only drives its connection(s); reading the close code is done by the caller
(close_codes.py), the same way for all of them. The daemon has to be started with the
case's `daemon_flags` (close_codes.sh asks for them with close_codes.py --plan).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
from dataclasses import dataclass, field
from typing import Awaitable, Callable

import websockets
from websockets.frames import OP_TEXT

# duetd's default max_message_bytes: the oversize cases go past it, the others stay under.
MAX_MESSAGE_BYTES = 65536
# Under the limit, so a frame of this size is read whole and then refused for its content.
LARGE_LEGAL_BYTES = 60_000

# The flags that take the daemon's rate limit out of the way, for the cases that flood:
# without them the flood would be refused with rate_limited and end in 1008 for that
# reason instead of the close the case is about.
NO_RATE_LIMIT = ("--rate-limit-per-second", "1e9", "--rate-limit-burst", "1e9")


async def connect(url: str) -> websockets.WebSocketClientProtocol:
    """A client as a client author would open it, with the settings that keep the
    measurement exact: no compression (frame sizes on the wire are the ones asked
    for), no pings of its own (only the daemon's matter), no limit on what it reads
    (a queue that fills would stop it reading before the close frame)."""
    ws = await websockets.connect(
        url,
        compression=None,
        ping_interval=None,
        max_size=None,
        max_queue=None,
        close_timeout=1,
        open_timeout=10,
    )
    note_resets(ws)
    return ws


def note_resets(ws) -> None:
    """Keeps, as ws.ended_by, the error the connection ended with (ConnectionResetError,
    BrokenPipeError), or None for a clean end. A reset right after the close frame
    still gives the client its code, but it is the hazard of issue #14 one step short
    of losing it: counted for the report, not judged."""
    ws.ended_by = None
    connection_lost = ws.connection_lost

    def noting(exc: Exception | None) -> None:
        if exc is not None and ws.ended_by is None:
            ws.ended_by = type(exc).__name__
        connection_lost(exc)

    ws.connection_lost = noting


async def send_until_closed(conns: "Connections", ws, frame: str | bytes, budget_bytes: int) -> None:
    """Keeps sending `frame` until the connection is no longer open or `budget_bytes`
    went out: the client is still writing whenever the daemon's close arrives. Notes
    in `conns` whether the budget ran out first (the trial then raced less)."""
    sent = 0
    while sent < budget_bytes and ws.open:
        try:
            await ws.send(frame)
        except websockets.ConnectionClosed:
            return
        sent += len(frame)
        # A send that the kernel takes at once does not give way to websockets' reader:
        # without this the loop would not see the close until the budget is spent.
        await asyncio.sleep(0)
    conns.sent_all_before_close = ws.close_rcvd is None


async def send_once(send: Awaitable[None]) -> None:
    """One send of a whole frame. It returns as soon as the kernel took the frame, so
    whether it returned before the close says nothing about the race (the bytes are
    still on their way then); the resets noted by note_resets do."""
    try:
        await send
    except websockets.ConnectionClosed:
        pass


async def join(ws, room: str) -> dict:
    """Joins `room` and returns the `joined` reply (anything else is a failed trial)."""
    await ws.send(json.dumps({"type": "join", "room": room}))
    reply = json.loads(await ws.recv())
    if reply.get("type") != "joined":
        raise RuntimeError(f"join {room}: got {reply}")
    return reply


def never_answer_pings(ws) -> None:
    """websockets answers every ping by itself from its read loop; a client that is
    gone quiet (but still reads, so it sees the close frame) answers none."""

    async def no_pong(data: bytes = b"") -> None:
        return None

    ws.pong = no_pong


def room_name() -> str:
    return "close-codes." + secrets.token_hex(6)


@dataclass
class Connections:
    """What a case hands back to the caller: the connection whose close code counts,
    and any other it opened (closed by the caller once the trial is over)."""

    watched: websockets.WebSocketClientProtocol | None = None
    others: list = field(default_factory=list)
    # A client that sends until the close (send_until_closed) ran out of frames before
    # the close arrived, so it was not still sending then. Reported, so a case whose
    # client is rarely still sending shows it.
    sent_all_before_close: bool = False


@dataclass(frozen=True)
class Case:
    name: str
    expected: int
    reason: str | None  # the fixed reason text (docs/protocol.md), where there is one
    what: str
    drive: Callable[[str, Connections, dict], Awaitable[None]]
    daemon_flags: tuple[str, ...] = ()
    # Each trial needs a daemon of its own (shutdown): the caller passes its pid.
    needs_own_daemon: bool = False


# --- the cases -------------------------------------------------------------------------


def oversize(size: int) -> Callable:
    async def drive(url: str, conns: Connections, ctx: dict) -> None:
        # One send of the whole frame: Beast refuses it from its header, so the close
        # comes while most of it is still on its way (in the kernel, in nginx).
        conns.watched = await connect(url)
        await send_once(conns.watched.send("a" * size))

    return drive


async def binary_small(url: str, conns: Connections, ctx: dict) -> None:
    conns.watched = await connect(url)
    await send_once(conns.watched.send(b"\x00" * 16))


async def binary_large(url: str, conns: Connections, ctx: dict) -> None:
    # duetd reads a binary message whole before it refuses it, so the client must go
    # on sending after it to still be sending at the close: more binary frames, up to
    # 8 MB (through nginx, 2 MB were sometimes all sent before the close came back).
    conns.watched = await connect(url)
    await send_until_closed(conns, conns.watched, b"\x00" * LARGE_LEGAL_BYTES, 8_000_000)


async def invalid_utf8(url: str, conns: Connections, ctx: dict) -> None:
    # The bad byte comes first: Beast checks UTF-8 as the frame arrives, so the close
    # comes while the rest of the frame is still being sent. websockets would encode a
    # str itself, hence the raw text frame.
    conns.watched = await connect(url)
    payload = b"\xff" + b"a" * (LARGE_LEGAL_BYTES - 1)
    await send_once(conns.watched.write_frame(True, OP_TEXT, payload))


MAX_VIOLATIONS = 10


async def refused_requests(url: str, conns: Connections, ctx: dict) -> None:
    # Frames that are not JSON (each gets `bad_json`), up to 2 MB of them: the close
    # comes at the tenth while the client is still sending.
    conns.watched = await connect(url)
    await send_until_closed(conns, conns.watched, "{" + "x" * 999, 2_000_000)


IDLE_FLAGS = ("--ping-interval", "0.1", "--idle-timeout", "0.3")


async def idle_silent(url: str, conns: Connections, ctx: dict) -> None:
    # Nothing to send: a quiet client cannot be sending. The case shows the idle close
    # itself arrives; idle_mid_message is the one that races.
    conns.watched = await connect(url)
    never_answer_pings(conns.watched)


async def idle_mid_message(url: str, conns: Connections, ctx: dict) -> None:
    # A client on a slow uplink: one message (60,000 B, under the limit) sent as 60
    # fragments over 0.6 s. duetd counts only whole messages and control frames as
    # signs of life, so it closes for idle (0.3 s) while fragments are still coming.
    conns.watched = await connect(url)
    never_answer_pings(conns.watched)

    async def fragments():
        for _ in range(60):
            yield "a" * 1000
            await asyncio.sleep(0.01)

    try:
        await conns.watched.send(fragments())
    except (websockets.ConnectionClosed, websockets.InvalidState):
        # The close arrived between two fragments: websockets refuses the next one.
        return
    conns.sent_all_before_close = conns.watched.close_rcvd is None


async def slow_consumer(url: str, conns: Connections, ctx: dict) -> None:
    # The receiver stops reading (its transport is paused) but keeps sending small
    # messages; the other member floods it with 60 KB messages until the daemon drops
    # the receiver (the flooder gets `peerdown`, or `bye` without a lease). Then the receiver reads again, through
    # the backlog, to its close frame.
    room = room_name()
    receiver = conns.watched = await connect(url)
    flooder = await connect(url)
    conns.others.append(flooder)
    receiver_id = (await join(receiver, room))["id"]
    await join(flooder, room)
    otherjoin = json.loads(await receiver.recv())
    if otherjoin.get("type") != "otherjoin":
        raise RuntimeError(f"expected otherjoin, got {otherjoin}")

    receiver.transport.pause_reading()
    dropped = asyncio.Event()

    async def watch_for_bye() -> None:
        async for text in flooder:
            message = json.loads(text)
            # `peerdown` under a seat lease (rule 12, the default), `bye` without one.
            if message.get("type") in ("bye", "peerdown") and message.get("id") == receiver_id:
                dropped.set()
                return

    async def flood() -> None:
        big = json.dumps({"type": "message", "room": room, "data": "f" * LARGE_LEGAL_BYTES})
        sent = 0
        while not dropped.is_set() and sent < 256 * 1024 * 1024:
            await flooder.send(big)
            sent += len(big)
            await asyncio.sleep(0)  # let the watcher see `bye` (see send_until_closed)

    async def keep_talking() -> None:
        small = json.dumps({"type": "message", "room": room, "data": "r" * 1000})
        while not dropped.is_set() and receiver.open:
            try:
                await receiver.send(small)
            except websockets.ConnectionClosed:
                return
            await asyncio.sleep(0.002)

    watcher = asyncio.create_task(watch_for_bye())
    talker = asyncio.create_task(keep_talking())
    try:
        await flood()
        await asyncio.wait_for(dropped.wait(), 10)
    finally:
        watcher.cancel()
        receiver.transport.resume_reading()
        await asyncio.gather(talker, return_exceptions=True)


async def shutdown(url: str, conns: Connections, ctx: dict) -> None:
    # The client joins (so its session is open), then streams 30 KB pings; after
    # about 300 KB it sends SIGTERM to the daemon and goes on streaming.
    pid = ctx.get("daemon_pid")
    if not pid:
        raise RuntimeError("the shutdown case needs --daemon-pid (a daemon of its own per trial)")
    conns.watched = await connect(url)
    await join(conns.watched, room_name())
    ping = json.dumps({"type": "ping", "pad": "p" * 30_000})
    for _ in range(10):
        await conns.watched.send(ping)
    os.kill(pid, signal.SIGTERM)
    await send_until_closed(conns, conns.watched, ping, 64_000_000)


CASES: list[Case] = [
    Case("oversize-65537", 1009, None, "a 65,537-byte text frame, one send", oversize(MAX_MESSAGE_BYTES + 1)),
    Case("oversize-70000", 1009, None, "a 70,000-byte text frame, one send", oversize(70_000)),
    Case("oversize-300000", 1009, None, "a 300,000-byte text frame, one send", oversize(300_000)),
    Case("oversize-1000000", 1009, None, "a 1,000,000-byte text frame, one send", oversize(1_000_000)),
    Case("binary", 1003, None, "a 16-byte binary frame", binary_small),
    Case("binary-large", 1003, None, "60,000-byte binary frames, sent until the close", binary_large),
    Case("invalid-utf8", 1007, None, "a 60,000-byte text frame, its first byte not UTF-8", invalid_utf8),
    Case("refused-requests", 1008, "too many refused requests",
         f"frames that are not JSON, sent until the close (--max-violations {MAX_VIOLATIONS})",
         refused_requests, daemon_flags=("--max-violations", str(MAX_VIOLATIONS))),
    Case("idle", 1001, "idle timeout", "a client that sends nothing and answers no ping (idle 0.3 s)",
         idle_silent, daemon_flags=IDLE_FLAGS),
    Case("idle-mid-message", 1001, "idle timeout",
         "one message in 1,000-byte fragments over 0.6 s, no pongs (idle 0.3 s)",
         idle_mid_message, daemon_flags=IDLE_FLAGS),
    Case("slow-consumer", 1008, "slow consumer",
         "a receiver that stops reading (still sending) while its peer floods it with 60 KB messages",
         slow_consumer, daemon_flags=NO_RATE_LIMIT),
    Case("shutdown", 1001, "server shutting down", "SIGTERM while the client streams 30 KB pings",
         shutdown, daemon_flags=NO_RATE_LIMIT + ("--shutdown-grace", "5"),
         needs_own_daemon=True),
]

BY_NAME = {case.name: case for case in CASES}

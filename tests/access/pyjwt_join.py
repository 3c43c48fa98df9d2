#!/usr/bin/python3
"""Join tokens minted by PyJWT (Debian's python3-jwt), as a backend would mint them, sent
to a real duetd over a WebSocket; and duetd's own tokens read back by PyJWT. Prints one
"ok - ..." or "not ok - ..." line per check (tests/access/pyjwt_test.sh counts them).
    pyjwt_join.py PORT SECRET DUETD_TOKEN"""
import asyncio
import json
import sys
import time

import jwt
import websockets

port, secret, duetd_token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
failed = 0


def check(ok, what):
    global failed
    print(("ok - " if ok else "not ok - ") + what)
    failed += 0 if ok else 1


async def join(room, token):
    """The first answer to a join carrying `token`, as a dict."""
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws", open_timeout=5) as ws:
        await ws.send(json.dumps({"type": "join", "room": room, "token": token}))
        return json.loads(await asyncio.wait_for(ws.recv(), 5))


async def main():
    now = int(time.time())
    # The three lines of docs/protocol.md: a named key, and without kid.
    named = jwt.encode({"room": "py", "exp": now + 600}, secret, algorithm="HS256", headers={"kid": "k1"})
    answer = await join("py", named)
    check(answer.get("type") == "joined", f"a PyJWT HS256 token with kid k1 joins (got {answer.get('type')})")
    plain = jwt.encode({"room": "py2", "exp": now + 600, "nbf": now - 5}, secret, algorithm="HS256")
    answer = await join("py2", plain)
    check(answer.get("type") == "joined", "a PyJWT token without kid (and with nbf) joins")
    once = jwt.encode({"room": "py3", "exp": now + 600, "once": True, "jti": "py-once-1"}, secret,
                      algorithm="HS256", headers={"kid": "k1"})
    first, second = await join("py3", once), await join("py3", once)
    check(first.get("type") == "joined", "a PyJWT once token joins the first time")
    check(second.get("type") == "error" and second.get("code") == "unauthorized"
          and "already been used" in second.get("message", ""), f"... and is refused the second time ({second})")
    hs512 = jwt.encode({"room": "py", "exp": now + 600}, secret, algorithm="HS512")
    answer = await join("py", hs512)
    check(answer.get("code") == "unauthorized" and hs512 not in json.dumps(answer),
          "a PyJWT HS512 token is refused, without echoing it")
    expired = jwt.encode({"room": "py", "exp": now - 3600}, secret, algorithm="HS256")
    answer = await join("py", expired)
    check(answer.get("code") == "unauthorized" and "expired" in answer.get("message", ""),
          "an expired PyJWT token is refused as expired")
    # And the other way: what `duetd token` printed is a standard JWT.
    try:
        claims = jwt.decode(duetd_token, secret, algorithms=["HS256"])
        header = jwt.get_unverified_header(duetd_token)
        check(claims.get("room") == "duetd-room" and claims["exp"] > now and header.get("kid") == "k1",
              "PyJWT verifies the token `duetd token` printed (room, exp, kid)")
    except jwt.PyJWTError as e:
        check(False, f"PyJWT verifies the token `duetd token` printed ({e})")


asyncio.run(main())
sys.exit(1 if failed else 0)

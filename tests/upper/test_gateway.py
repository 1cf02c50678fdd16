"""Socket.IO gateway core (sans-I/O) and ``sdrlink serve`` with a real Socket.IO client."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

import pytest

from upper.gateway import SEPARATOR, Gateway

Q = {"EIO": "4", "transport": "polling"}


def _open(gw: Gateway) -> str:
    response = gw.handle("GET", Q, b"", 0.0)
    assert response.status == 200 and response.body.startswith(b"0")
    return json.loads(response.body[1:])["sid"]


def test_handshake_connect_event_and_ack():
    gw = Gateway(rng=random.Random(1))
    sid = _open(gw)
    q = {**Q, "sid": sid}
    assert gw.handle("POST", q, b"40", 1.0).body == b"ok"
    assert gw.handle("GET", q, b"", 1.0).body.startswith(b"40{")
    gw.handle("POST", q, b'421["send",{"to":null,"event":"x","data":[1,2]}]', 2.0)
    event = gw.events.popleft()
    assert (event.event, event.args, event.ack_id) == (
        "send",
        [{"to": None, "event": "x", "data": [1, 2]}],
        1,
    )
    gw.ack(sid, 1, {"frames": 1})
    gw.emit("chat", "0011223344556677", {"blob": b"\x00\xff"})
    body = gw.handle("GET", q, b"", 3.0).body.decode()
    assert body.split(SEPARATOR) == [
        '431[{"frames": 1}]',
        '42["chat", "0011223344556677", {"blob": "AP8="}]',
    ]
    assert gw.handle("GET", q, b"", 4.0) is None  # nothing to say: long poll
    assert gw.poll(sid, 30.0).body == b"2"  # ping when the interval is up


def test_bad_requests_are_counted_not_raised():
    gw = Gateway(rng=random.Random(2), max_clients=2)
    assert gw.handle("GET", {"EIO": "3", "transport": "polling"}, b"", 0.0).status == 400
    assert gw.handle("GET", {**Q, "sid": "nope"}, b"", 0.0).status == 400
    sid = _open(gw)
    q = {**Q, "sid": sid}
    for junk in (b"\xff\xfe", b"4", b"42", b"42[", b"42[1]", b"9", b"40/admin,", b"45"):
        gw.handle("POST", q, junk, 1.0)
    assert not gw.events
    assert sum(v for k, v in gw.stats.items() if k.startswith(("dropped", "bad"))) >= 6
    _open(gw)
    assert gw.handle("GET", Q, b"", 0.0).status == 503  # bounded client table
    assert gw.handle_timer(1000.0) and not gw.clients  # silent clients are forgotten


def _sdrlink(*args):
    return subprocess.Popen(
        [sys.executable, "-m", "upper.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.PIPE,
        text=True,
    )


def test_socketio_client_talks_to_a_station_through_serve():
    socketio = pytest.importorskip("socketio", reason="python-socketio is not installed")
    air = _sdrlink("air", "--port", "0", "--duration-s", "60")
    procs = [air]
    try:
        address = air.stdout.readline().split()[3]
        serve = _sdrlink("serve", "--port", "0", "--air", address, "--duration-s", "50")
        bob = _sdrlink("chat", "--name", "bob", "--air", address, "--duration-s", "40")
        procs += [serve, bob]
        url = serve.stdout.readline().split()[4]
        assert url.startswith("http://127.0.0.1:")
        client = socketio.Client()
        heard = []
        client.on("*", lambda event, *args: heard.append((event, args)))
        client.connect(url, transports=["polling"])
        assert client.call("whoami", timeout=10)["name"] == "gateway"
        deadline = time.monotonic() + 30
        while not [a for e, a in heard if e == "presence"] and time.monotonic() < deadline:
            time.sleep(0.1)
        bob_address = next(a[0] for e, a in heard if e == "presence")
        report = client.call(
            "send",
            {
                "to": bob_address,
                "event": "chat",
                "data": {"name": "web", "text": "hi from a browser"},
            },
            timeout=10,
        )
        assert report["frames"] == 1 and report["airtime_s"] > 0
        deadline = time.monotonic() + 30
        line = ""
        while "<web>" not in line and time.monotonic() < deadline:
            line = bob.stdout.readline()
        assert line.strip() == "<web> hi from a browser"
        client.disconnect()
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(timeout=10)

"""A real HTTP server on 127.0.0.1 that plays a webhook endpoint, for the tests and the
benchmark: it answers from a script (fail, time out, succeed), records what arrived and when,
and can check the HMAC signature the way a receiver should."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    arrived_at: float  # time.time()

    def json(self):
        return json.loads(self.body)


class WebhookReceiver:
    """`script` lists the answers to the first requests ("ok", "fail" = HTTP 500, "gone" =
    HTTP 404, "timeout" = answer only after `slow_seconds`); later requests get "ok"."""

    def __init__(self, script: list[str] | None = None, *, slow_seconds: float = 2.0):
        self.script = list(script or [])
        self.slow_seconds = slow_seconds
        self.received: list[Received] = []
        self.delivered: list[Received] = []  # the ones answered with 200
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                item = Received(self.path, dict(self.headers), body, time.time())
                with receiver._lock:
                    receiver.received.append(item)
                    answer = receiver.script.pop(0) if receiver.script else "ok"
                if answer == "timeout":
                    time.sleep(receiver.slow_seconds)
                status = {"ok": 200, "fail": 500, "gone": 404, "timeout": 200}[answer]
                if answer == "ok":
                    with receiver._lock:
                        receiver.delivered.append(item)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up waiting: that was the point of "timeout"

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hook"

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def signature_is_valid(secret: str, item: Received) -> bool:
    timestamp = item.headers.get("X-Handoff-Timestamp", "")
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + item.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"sha256={expected}", item.headers.get("X-Handoff-Signature", ""))

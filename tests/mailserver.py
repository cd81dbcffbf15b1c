"""A real SMTP server for the tests (aiosmtpd), that keeps what it receives.

    with MailServer() as smtp:
        ...                         # the app sends to 127.0.0.1:smtp.port
        message = smtp.wait_for(1)[0]

``fail(code, times)`` makes the next ``times`` messages be answered with that SMTP code
(451: try again later; 550: refused for good).
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
import time
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _Handler:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        with self.server.lock:
            if self.server.failures:
                code, times = self.server.failures
                self.server.failures = (code, times - 1) if times > 1 else None
                self.server.refused += 1
                return f"{code} {'Try again later' if code < 500 else 'Refused'}"
            message = email.message_from_bytes(envelope.content, policy=default)
            assert isinstance(message, EmailMessage)
            self.server.received.append(message)
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


class MailServer:
    """An SMTP server on a free loopback port, for one test."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.received: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.failures: tuple[int, int] | None = None
        self.refused = 0
        self.lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._controller: Controller | None = None

    def __enter__(self) -> MailServer:
        self._loop = asyncio.new_event_loop()
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, loop=self._loop
        )
        self._controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._controller is not None and self._loop is not None
        self._controller.stop()
        self._loop.close()

    def fail(self, code: int, times: int = 1) -> None:
        """Answer the next ``times`` messages with an SMTP error code."""
        self.failures = (code, times)

    def config(self) -> dict[str, Any]:
        """Return the app settings that send email here."""
        return {
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": self.port,
            "MAIL_USE_TLS": False,
            "MAIL_FROM": "clinic@riverside.example",
        }

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        """Return the received messages once there are ``count`` of them."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.received)

    @staticmethod
    def parts(message: EmailMessage) -> tuple[str, str]:
        """Return the plain-text and HTML bodies of a message."""
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        assert text is not None and html is not None
        return str(text.get_content()), str(html.get_content())

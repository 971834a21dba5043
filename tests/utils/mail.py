"""A real SMTP server in the test process (aiosmtpd), and the mail it receives."""

import asyncio
import queue
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"
# The service's sender in the tests.
SENDER = "recipes@example.com"


class Mailbox:
    """Every mail the server accepted, in the order it came. Each takes `delay` seconds
    to be accepted, as from a slow server."""

    def __init__(self, delay: float = 0) -> None:
        self._received: queue.Queue[EmailMessage] = queue.Queue()
        self.delay = delay
        self.port = 0

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self._received.put(message)
        return "250 Message accepted for delivery"

    def next(self, timeout: float = 10) -> EmailMessage:
        """The next mail, waiting up to `timeout` seconds for it."""
        try:
            return self._received.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no mail arrived within {timeout} s") from None

    def empty_after(self, seconds: float) -> bool:
        """Whether no mail arrives within `seconds`."""
        try:
            self._received.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


class _AnyPortController(Controller):
    """aiosmtpd's Controller on port 0: the kernel picks the port as it binds, and it is
    read back from the listening socket before anything connects to it."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]  # aiosmtpd has no hints here


@contextmanager
def smtp_server(delay: float = 0) -> Iterator[Mailbox]:
    """An SMTP server on 127.0.0.1 for the test; its port is `Mailbox.port`."""
    mailbox = Mailbox(delay)
    controller = _AnyPortController(mailbox, hostname=HOST, port=0)
    controller.start()
    try:
        mailbox.port = controller.port
        yield mailbox
    finally:
        controller.stop()


def smtp_settings(port: int) -> dict[str, str]:
    """The service's settings for the test's SMTP server on `port` (plain SMTP)."""
    return {
        "SMTP_HOST": HOST,
        "SMTP_PORT": str(port),
        "SMTP_TLS": "false",
        "EMAILS_FROM": SENDER,
    }

"""Fixtures of the notifications' tests: a real SMTP server on the loopback
interface (aiosmtpd) and CKAN's jobs worker run in burst mode."""

from __future__ import annotations

import email
import email.policy
import threading

import pytest

from tests.support import free_port

#: the port of the tests' SMTP server, chosen when the tests are collected (``smtp.server`` names it)
SMTP_PORT = free_port()
SMTP_SERVER = f"127.0.0.1:{SMTP_PORT}"


class Inbox:
    """An aiosmtpd handler keeping every message it receives (parsed)."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse = False
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 Requested action aborted: local error in processing"
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


def text_of(message: email.message.EmailMessage) -> str:
    """The plain-text body of a message."""
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def inbox():
    """The tests' SMTP server on ``SMTP_SERVER``, running for the test; its messages."""
    from aiosmtpd.controller import Controller

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture
def empty_queue():
    """No job left from another test in the tests' queue."""
    from ckan.lib import jobs

    from ckanext.imwg_notify import outbox

    outbox.flush()
    for queue in jobs.get_all_queues():
        queue.empty()


def run_jobs() -> None:
    """Run every queued job until none is left, with rq's worker on CKAN's real
    Redis queue, in this process: a forked work horse would share the test's
    open database connection (and a job left by an earlier test would run in
    its own fork, out of the test's sight)."""
    import rq
    from ckan import model
    from ckan.lib import jobs

    from ckanext.imwg_notify import outbox

    outbox.flush()  # what web requests committed is on the queue
    queue = jobs.get_queue()
    rq.SimpleWorker([queue], connection=queue.connection).work(burst=True)
    model.Session.remove()

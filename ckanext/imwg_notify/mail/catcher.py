"""A mail catcher for a local portal: a real SMTP server (aiosmtpd) on the
loopback interface that writes each message it receives as an .eml file,
and the reading of that folder for the sysadmin page /ckan-admin/mail."""

from __future__ import annotations

import datetime
import email
import email.policy
import os
import time
import uuid
from typing import Any

from .. import config


class EmlWriter:
    """An aiosmtpd handler that writes each message as ``<time>-<id>.eml`` in ``folder``."""

    def __init__(self, folder: str):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        name = f"{datetime.datetime.utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        partial = os.path.join(self.folder, f".{name}")
        with open(partial, "wb") as out:
            out.write(envelope.original_content or envelope.content)
        os.replace(partial, os.path.join(self.folder, name))  # readers never see half a message
        return "250 Message accepted for delivery"


def controller(folder: str, port: int) -> Any:
    """An aiosmtpd ``Controller`` on 127.0.0.1:``port`` writing into ``folder`` (not started)."""
    from aiosmtpd.controller import Controller

    return Controller(EmlWriter(folder), hostname="127.0.0.1", port=port)


def serve(folder: str, port: int) -> None:
    """Run the catcher until interrupted."""
    catcher = controller(folder, port)
    catcher.start()
    print(f"mail catcher on 127.0.0.1:{port}, writing to {folder}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        catcher.stop()


def _text(message: email.message.EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


def caught(limit: int) -> list[dict[str, Any]]:
    """The last ``limit`` caught messages, newest first (empty without a configured folder)."""
    folder = config.catch_dir()
    if not folder or not os.path.isdir(folder):
        return []
    names = sorted((n for n in os.listdir(folder) if n.endswith(".eml") and not n.startswith(".")), reverse=True)
    found = []
    for name in names[:limit]:
        with open(os.path.join(folder, name), "rb") as source:
            message = email.message_from_binary_file(source, policy=email.policy.default)
        found.append(
            {
                "name": name,
                "received": datetime.datetime.utcfromtimestamp(os.path.getmtime(os.path.join(folder, name))),
                "from": str(message["From"] or ""),
                "to": str(message["To"] or ""),
                "subject": str(message["Subject"] or ""),
                "text": _text(message),
            }
        )
    return found

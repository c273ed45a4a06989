"""A sending process for the SIGKILL test: sends a backlog with a journal until it is killed.

Run as ``python sigkill_worker.py BASE_URL ACCOUNT JOURNAL COUNT``; the token
arrives through the environment (``MISSIVE_API_TOKEN``) so it never shows in a process list.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from missive_channels import MissiveClient, Participant, TextMessage

if TYPE_CHECKING:
    from collections.abc import Iterator


def backlog(account: str, count: int) -> Iterator[TextMessage]:
    """The messages to send, built the same way in the worker and in the resuming test."""
    for number in range(count):
        yield TextMessage(
            account=account,
            from_field=Participant(id=f"cust-{number % 7}"),
            body=f"backlog message {number}",
            external_id=f"m-{number}",
            references=[f"thread-{number % 7}"],
        )


def main(argv: list[str]) -> None:
    """Send the backlog; the test kills this process while a request is in flight."""
    base_url, account, journal, count = argv
    with MissiveClient(base_url=base_url, timeout=120.0) as client:
        for _ in client.messages.create_many(backlog(account, int(count)), journal=journal):
            pass


if __name__ == "__main__":
    main(sys.argv[1:])

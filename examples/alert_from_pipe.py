"""Send each line read from standard input to a custom channel as a Text message.

Pipe monitoring alerts into Missive, e.g.::

    tail -F /var/log/alerts.log | python alert_from_pipe.py

Every alert joins one conversation per day (threaded by reference). Configuration
comes from the environment: ``MISSIVE_API_TOKEN``, ``MISSIVE_ACCOUNT`` (the channel's
account id) and, optionally, ``MISSIVE_BASE_URL``.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from typing import TextIO

from missive_channels import APIError, MissiveClient, Participant, TextMessage

MONITOR = Participant(id="monitoring", name="Monitoring")


def main(lines: TextIO | None = None) -> int:
    """Send every non-blank line; return the process's exit status (1 if any failed)."""
    account = os.environ["MISSIVE_ACCOUNT"]
    failed = 0
    with MissiveClient() as client:
        for line in sys.stdin if lines is None else lines:
            text = line.strip()
            if not text:
                continue
            now = datetime.now(timezone.utc)
            alert = TextMessage(
                account=account,
                from_field=MONITOR,
                body=text,
                delivered_at=now,
                references=[f"alerts-{now:%Y-%m-%d}"],
            )
            try:
                client.messages.create(alert)
            except APIError as error:
                # Keep reading: one lost alert must not stop the others. A possibly
                # delivered one is reported rather than resent, to avoid a duplicate.
                failed += 1
                print(f"alert not sent: {error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

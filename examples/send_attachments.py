"""Send files as attachments, split over several messages when they exceed Missive's cap.

Usage: ``python send_attachments.py FILE...``. Configuration comes from the
environment: ``MISSIVE_API_TOKEN``, ``MISSIVE_ACCOUNT`` (the channel's account
id) and, optionally, ``MISSIVE_BASE_URL``.
"""

from __future__ import annotations

import os
import sys

from missive_channels import (
    APIError,
    Attachment,
    MissiveClient,
    Participant,
    TextMessage,
    ValidationError,
)
from missive_channels.bulk import split_attachments


def main(argv: list[str] | None = None) -> int:
    """Send the files named on the command line; return the process's exit status."""
    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print("usage: send_attachments.py FILE...", file=sys.stderr)
        return 2
    try:
        files = [Attachment.from_path(path) for path in paths]
    except (OSError, ValidationError) as error:
        print(f"cannot attach: {error}", file=sys.stderr)
        return 2
    message = TextMessage(
        account=os.environ["MISSIVE_ACCOUNT"],
        from_field=Participant(id="scanner-3", name="Office scanner"),
        body=f"{len(files)} scanned file(s)",
        external_id="scan-batch-77",
        references=["scan-batch-77"],  # every part joins one conversation
        attachments=files,
    )
    parts = split_attachments(message)  # each part under Missive's 10 MB cap
    sent = 0
    with MissiveClient() as client:
        try:
            for part in parts:
                client.messages.create(part)
                sent += 1
        except APIError as error:
            print(f"part {sent + 1} of {len(parts)} not sent: {error}", file=sys.stderr)
            return 1
    print(f"sent {len(files)} file(s) in {len(parts)} message(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Build a Text message with an attachment and print the exact request body."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from missive_channels import Attachment, Participant, TextMessage, to_request_body


def main() -> None:
    """Build a message and print what would be POSTed to Missive."""
    message = TextMessage(
        account="0c7d2a51-8f3e-4b6a-9d12-5e4f3a2b1c90",
        from_field=Participant(id="cust-4471", username="@marta.k", name="Marta K."),
        to_fields=[Participant(id="acme-support", name="Acme Support")],
        body="Hello! Is my order #5521 shipped yet?",
        delivered_at=datetime(2024, 6, 10, 14, 53, 20, tzinfo=timezone.utc),
        external_id="acme-msg-000981",
        references=["acme-thread-5521"],
        attachments=[Attachment(filename="order.txt", data=b"order #5521")],
    )
    print(json.dumps(to_request_body(message), indent=2))


if __name__ == "__main__":
    main()

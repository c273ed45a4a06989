"""Send one Text message into a custom channel with `MissiveClient`.

Configuration comes from the environment: ``MISSIVE_API_TOKEN``, ``MISSIVE_ACCOUNT``
(the channel's account id) and, optionally, ``MISSIVE_BASE_URL``.
"""

from __future__ import annotations

import os
import sys

from missive_channels import APIError, MissiveClient, Participant, TextMessage


def main() -> int:
    """Send a message; print its ids; return the process's exit status."""
    message = TextMessage(
        account=os.environ["MISSIVE_ACCOUNT"],
        from_field=Participant(id="cust-4471", username="@marta.k", name="Marta K."),
        to_fields=[Participant(id="acme-support", name="Acme Support")],
        body="Hello! Is my order #5521 shipped yet?",
        external_id="acme-msg-000981",
        references=["acme-thread-5521"],
    )
    with MissiveClient() as client:
        try:
            created = client.messages.create(message)
        except APIError as error:
            print(f"not sent: {error}", file=sys.stderr)
            return 1
    # Either id may be None: Missive may answer an empty 201.
    print(f"message {created.id} in conversation {created.conversation_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

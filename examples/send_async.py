"""Send several Text messages concurrently with `AsyncMissiveClient`.

The client keeps to Missive's rate limits, so `asyncio.gather` over many sends is
safe. Configuration comes from the environment: ``MISSIVE_API_TOKEN``,
``MISSIVE_ACCOUNT`` (the channel's account id) and, optionally, ``MISSIVE_BASE_URL``.
"""

from __future__ import annotations

import asyncio
import os
import sys

from missive_channels import APIError, AsyncMissiveClient, Participant, TextMessage

UPDATES = ["Order received", "Payment confirmed", "Parcel handed to the courier"]


async def send_all(account: str, updates: list[str]) -> int:
    """Send each update to one thread; return how many failed."""
    shop = Participant(id="acme-shop", name="Acme Shop")
    async with AsyncMissiveClient() as client:
        results = await asyncio.gather(
            *(
                client.messages.create(
                    TextMessage(
                        account=account,
                        from_field=shop,
                        body=update,
                        external_id=f"order-5521-update-{number}",
                        references=["order-5521"],
                    )
                )
                for number, update in enumerate(updates, start=1)
            ),
            return_exceptions=True,
        )
    failures = [result for result in results if isinstance(result, APIError)]
    for failure in failures:
        print(f"not sent: {failure}", file=sys.stderr)
    unexpected = [r for r in results if isinstance(r, BaseException) and r not in failures]
    if unexpected:
        raise unexpected[0]
    print(f"sent {len(results) - len(failures)} of {len(results)}")
    return len(failures)


def main() -> int:
    """Send the updates; return the process's exit status."""
    return 1 if asyncio.run(send_all(os.environ["MISSIVE_ACCOUNT"], UPDATES)) else 0


if __name__ == "__main__":
    sys.exit(main())

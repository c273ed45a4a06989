"""Run every benchmark and print one table of ratios measured side by side in this run.

Usage: ``python bench/run.py [--quick] [--markdown FILE]`` (``nox -s bench`` runs it).
Benchmarks report; they never fail on a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tracemalloc
from pathlib import Path

from harness import Row, Table, paired_ratio

from missive_channels import Attachment, Participant, TextMessage, encode_request
from missive_channels._bodies import stream_request

ACCOUNT = "0c7d2a51-8f3e-4b6a-9d12-5e4f3a2b1c90"


def full_text_message() -> TextMessage:
    """A Text message with every field set, as an integration would send it."""
    return TextMessage(
        account=ACCOUNT,
        from_field=Participant(id="cust-4471", username="@marta.k", name="Marta K."),
        to_fields=[Participant(id="acme-support", username="@acme", name="Acme Support")],
        body="Hello! Is my order #5521 shipped yet?",
        delivered_at=1718031200,
        external_id="acme-msg-000981",
        references=["acme-thread-5521"],
        conversation="7c3e9a10-4f2b-4d6e-b8a1-2e3f4a5b6c7d",
        attachments=[Attachment(filename="order.txt", data=b"order #5521, 2 items")],
        team="team-1",
        force_team=True,
        organization="org-1",
        add_users=["user-1"],
        add_assignees=["user-1"],
        remove_assignees=["user-2"],
        add_shared_labels=["label-1"],
        remove_shared_labels=["label-2"],
        add_to_inbox=True,
        add_to_team_inbox=True,
        close=True,
        conversation_subject="Order #5521",
        conversation_color="#1f8a70",
    )


def bench_serialization(table: Table, rounds: int) -> None:
    """Target 3: encoding a full TextMessage vs json.dumps of the equivalent hand-built dict."""
    message = full_text_message()
    attachment = message.attachments[0]

    def by_hand() -> bytes:
        # The floor: what a careful integration without the SDK would write.
        import base64  # noqa: PLC0415 - local so the floor pays its own lookups

        fields = {
            "account": message.account,
            "from_field": {"id": "cust-4471", "username": "@marta.k", "name": "Marta K."},
            "to_fields": [{"id": "acme-support", "username": "@acme", "name": "Acme Support"}],
            "body": message.body,
            "delivered_at": 1718031200,
            "external_id": message.external_id,
            "references": list(message.references),
            "conversation": message.conversation,
            "attachments": [
                {
                    "base64_data": base64.b64encode(attachment.data).decode(),
                    "filename": attachment.filename,
                }
            ],
            "team": "team-1",
            "force_team": True,
            "organization": "org-1",
            "add_users": ["user-1"],
            "add_assignees": ["user-1"],
            "remove_assignees": ["user-2"],
            "add_shared_labels": ["label-1"],
            "remove_shared_labels": ["label-2"],
            "add_to_inbox": True,
            "add_to_team_inbox": True,
            "close": True,
            "conversation_subject": "Order #5521",
            "conversation_color": "#1f8a70",
        }
        return json.dumps({"messages": fields}).encode()

    assert json.loads(by_hand()) == json.loads(encode_request(message))
    ratio, cand, base = paired_ratio(lambda: encode_request(message), by_hand, rounds=rounds)
    table.add(
        Row(
            "3. Serialization",
            "encode_request(full TextMessage) / json.dumps(hand-built dict)",
            ratio,
            f"{cand * 1e6:.1f} µs vs {base * 1e6:.1f} µs",
            at_most=2.0,
        )
    )


def bench_attachment_memory(table: Table) -> None:
    """Target 7: peak memory building and encoding a 7 MB attachment, beyond the loaded file."""
    data = os.urandom(7_000_000)
    tracemalloc.start()
    message = TextMessage(
        account=ACCOUNT,
        from_field=Participant(name="Scanner"),
        attachments=[Attachment(filename="scan.pdf", data=data)],
    )
    sent = sum(len(chunk) for chunk in stream_request(message))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    ratio = peak / len(data)
    table.add(
        Row(
            "7. Attachment memory",
            "peak beyond the loaded 7 MB file / file size (build + encode)",
            ratio,
            f"{peak / 1e6:.2f} MB peak for {sent / 1e6:.2f} MB sent",
            at_most=2.0,
        )
    )


def _import_seconds(statement: str, rounds: int) -> list[float]:
    """Wall times of fresh interpreters running ``statement``."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    return [
        float(
            subprocess.run(
                [sys.executable, "-c", code], check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(rounds)
    ]


def bench_import(table: Table, rounds: int) -> None:
    """Target 5: import cost in fresh interpreters, measured in alternation."""
    statements = {
        "root": "import missive_channels",
        "floor": "import httpx, attrs, cattrs",
    }
    samples: dict[str, list[float]] = {name: [] for name in statements}
    for _ in range(rounds):
        for name, statement in statements.items():
            samples[name].extend(_import_seconds(statement, 1))
    root = statistics.median(samples["root"])
    floor = statistics.median(samples["floor"])
    table.add(
        Row(
            "5. Import cost",
            "import missive_channels / import httpx, attrs, cattrs",
            root / floor,
            f"{root * 1e3:.1f} ms vs {floor * 1e3:.1f} ms",
            at_most=1.2,
        )
    )


def main() -> None:
    """Run the benchmarks and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, for a smoke run")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    rounds = 5 if args.quick else 15
    table = Table()
    bench_serialization(table, rounds)
    bench_import(table, rounds)
    bench_attachment_memory(table)
    report = table.markdown()
    print()
    print(report)
    if args.markdown:
        args.markdown.write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""Type-checked, never run: the models' public types as users see them."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from typing_extensions import assert_type

from missive_channels import (
    Attachment,
    EmailAddress,
    EmailMessage,
    HtmlMessage,
    Message,
    Participant,
    TextMessage,
    to_request_body,
)
from missive_channels.bulk import encode_request

alias = Participant(id="a", username="@a", name="A")
assert_type(alias.id, "str | None")

text = TextMessage(
    account="acc",
    from_field=alias,
    to_fields=(p for p in [alias]),
    references=["r"],
    delivered_at=datetime.now(timezone.utc),
    attachments=[Attachment(filename="f", data=b"x")],
)
assert_type(text.to_fields, tuple[Participant, ...])
assert_type(text.references, tuple[str, ...])
assert_type(text.delivered_at, datetime | None)
assert_type(
    TextMessage(account="a", from_field=alias, delivered_at=1).delivered_at, datetime | None
)

html = HtmlMessage(account="acc", from_field=alias, body="<b>hi</b>")
mail = EmailMessage(
    account="acc",
    from_field=EmailAddress(address="a@b.c"),
    cc_fields=[EmailAddress(address="c@d.e")],
    subject="s",
)
assert_type(mail.cc_fields, tuple[EmailAddress, ...])

message: Message = html
assert_type(to_request_body(message), dict[str, Any])
assert_type(encode_request(mail), bytes)
assert_type(Attachment.from_path("f.txt"), Attachment)

TextMessage(account="acc", from_field=EmailAddress(address="a@b.c"))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
EmailMessage(account="acc", from_field=alias)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
HtmlMessage(account="acc", from_field=alias, subject="s")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]

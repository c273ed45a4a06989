"""Sending many messages: `create_many`'s outcomes and counts, the journal, request sizes.

``client.messages.create_many(messages, journal=...)`` yields one `SendOutcome` per
message; a `Journal` (a SQLite file) lets an interrupted run resume without sending
anything twice. `encoded_size`, `encode_request` and `split_attachments` keep each
request under Missive's cap, `MAX_REQUEST_BYTES`.
"""

__all__ = [
    "MAX_REQUEST_BYTES",
    "Journal",
    "JournalEntry",
    "JournalState",
    "SendCounts",
    "SendOutcome",
    "SendStatus",
    "encode_request",
    "encoded_size",
    "split_attachments",
]

from ._bodies import encoded_size, split_attachments
from ._bulk import SendCounts, SendOutcome, SendStatus
from ._constants import MAX_REQUEST_BYTES
from ._converter import encode_request
from ._exports import publish as _publish
from ._journal import Journal, JournalEntry, JournalState

_publish(__name__, globals(), __all__)

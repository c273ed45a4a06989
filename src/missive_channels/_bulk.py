"""Bulk sending without I/O: the outcome types, the journal decisions and one flow per message.

`BulkSend` turns an iterable of messages into one flow per message (see
`_core`): either a flow that returns its outcome at once (a journal hit, an
invalid message) or one that sends the message, recording its journal state
right before the request leaves and again once the outcome is known. Every
decision is a plain function here; the clients only choose how many flows run
at a time (`_bulk_io`).
"""

from __future__ import annotations

import enum
import os
from typing import TYPE_CHECKING, Final, cast

import attrs

from ._closing import Closing
from ._errors import (
    APIError,
    ExternalIdConflictError,
    FieldTypeError,
    MissiveError,
    ValidationError,
)
from ._journal import Journal, JournalEntry, JournalState, fingerprint
from ._models import MESSAGE_TYPES, Message
from ._operations import create_message

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from typing_extensions import Self

    from ._core import ClientCore, Flow
    from ._operations import CreatedMessage, Operation

__all__ = [
    "DEFAULT_WINDOW",
    "BulkSend",
    "Decision",
    "SendCounts",
    "SendOutcome",
    "SendStatus",
    "decide",
    "record",
    "skip_reason",
    "status_of",
]

DEFAULT_WINDOW: Final = 5
"""Requests an async bulk send keeps in flight when the client has no concurrency limit."""


class SendStatus(str, enum.Enum):
    """What became of one message of a bulk send."""

    SENT = "sent"
    """Missive accepted the message."""
    FAILED = "failed"
    """Missive certainly did not create the message; it is safe to send again once fixed."""
    POSSIBLY_DELIVERED = "possibly_delivered"
    """The request was sent but its outcome is unknown; check in Missive before resending."""
    SKIPPED = "skipped"
    """Not sent, because the journal says it was sent, or may have been, already."""


@attrs.frozen(kw_only=True)
class SendOutcome:
    """The outcome of one message of `create_many`.

    Attributes:
        index: The message's position in the input, from 0.
        message: The message itself.
        status: What became of it.
        message_id: Missive's id for the message, when Missive (or, for a skipped
            message, the journal) said it.
        conversation_id: The id of the conversation it joined, when known.
        error: Why it failed or may not have been delivered: an `APIError`
            (see ``possibly_delivered``) or a `ValidationError` for a message
            that was never sent. ``None`` when sent or skipped.
        reason: For a skipped message, why it was skipped, in words.
        journal_entry: For a skipped message, the journal record that decided it.
    """

    index: int
    message: Message
    status: SendStatus
    message_id: str | None = None
    conversation_id: str | None = None
    error: MissiveError | None = None
    reason: str | None = None
    journal_entry: JournalEntry | None = None

    @property
    def external_id(self) -> str | None:
        """The message's ``external_id``, if it has one."""
        value: object = getattr(self.message, "external_id", None)
        return value if isinstance(value, str) else None


@attrs.frozen(kw_only=True)
class SendCounts:
    """How many messages of a bulk send ended in each status so far.

    Attributes:
        sent: Messages Missive accepted.
        failed: Messages certainly not created.
        possibly_delivered: Messages whose outcome is unknown.
        skipped: Messages the journal said not to send.
    """

    sent: int = 0
    failed: int = 0
    possibly_delivered: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        """Messages with an outcome so far."""
        return self.sent + self.failed + self.possibly_delivered + self.skipped

    def add(self, status: SendStatus) -> SendCounts:
        """Return the counts with one more message in ``status``.

        Args:
            status: The status of the message to count.

        Returns:
            New counts; these are left unchanged.
        """
        return attrs.evolve(self, **{status.value: getattr(self, status.value) + 1})


class Decision(enum.Enum):
    """What to do with a message, given what the journal holds for its ``external_id``."""

    SEND = "send"
    """Never seen, certainly not created before, or a resend that was asked for."""
    SKIP = "skip"
    """Sent already, or possibly delivered and no resend was asked for."""
    CONFLICT = "conflict"
    """The ``external_id`` belongs to a different message that was, or may have been, sent."""


def decide(
    entry: JournalEntry | None, body_fingerprint: str, *, resend_possibly_delivered: bool
) -> Decision:
    """Decide whether to send a message, from its journal record.

    A message recorded as failed was certainly not created, so it is sent again,
    even with a different body (a message fixed after Missive refused it).
    Under any other state a different body means the ``external_id`` was reused
    for another message: a conflict, never a skip and never a send.

    Args:
        entry: The journal's record under the message's ``external_id``, if any.
        body_fingerprint: The fingerprint of the message's request body.
        resend_possibly_delivered: Whether to send again a message whose earlier
            request may have been delivered (or was interrupted while sending).

    Returns:
        The decision.
    """
    if entry is None or entry.state is JournalState.FAILED:
        return Decision.SEND
    if entry.fingerprint != body_fingerprint:
        return Decision.CONFLICT
    if entry.state is JournalState.SENT or not resend_possibly_delivered:
        return Decision.SKIP
    return Decision.SEND


def skip_reason(entry: JournalEntry) -> str:
    """Say in words why the journal's record makes a message skipped.

    Args:
        entry: The record, in state sent, sending or possibly delivered.

    Returns:
        A sentence fragment, e.g. ``"already sent"``.
    """
    if entry.state is JournalState.SENT:
        return "already sent"
    resend = (
        "check in Missive, then pass resend_possibly_delivered=True to send it again if missing"
    )
    if entry.state is JournalState.SENDING:
        return f"an earlier run stopped while sending it, so Missive may have it; {resend}"
    return f"an earlier attempt may have delivered it ({entry.error}); {resend}"


def status_of(error: MissiveError) -> SendStatus:
    """Return the status of a message whose send raised ``error``.

    Args:
        error: The failure.

    Returns:
        `SendStatus.POSSIBLY_DELIVERED` when Missive may have processed the
        request, else `SendStatus.FAILED`.
    """
    if isinstance(error, APIError) and error.possibly_delivered:
        return SendStatus.POSSIBLY_DELIVERED
    return SendStatus.FAILED


def record(journal: Journal, external_id: str, outcome: SendOutcome) -> None:
    """Record a sent message's outcome in the journal (its ``sending`` record exists).

    Args:
        journal: The journal.
        external_id: The message's ``external_id``.
        outcome: The outcome of its request: sent, failed or possibly delivered.
    """
    if outcome.status is SendStatus.SENT:
        journal.mark_sent(
            external_id, message_id=outcome.message_id, conversation_id=outcome.conversation_id
        )
    elif outcome.status is SendStatus.FAILED:
        journal.mark_failed(external_id, str(outcome.error))
    else:
        journal.mark_possibly_delivered(external_id, str(outcome.error))


def _check_messages(messages: object) -> Iterator[Message]:
    if isinstance(messages, (*MESSAGE_TYPES, str, bytes)):
        msg = (
            "create_many takes an iterable of messages, got one "
            f"{type(messages).__name__}; wrap it in a list, or use messages.create"
        )
        raise FieldTypeError(msg, field="messages")
    try:
        return iter(cast("Iterable[Message]", messages))
    except TypeError as exc:
        msg = f"create_many takes an iterable of messages, got {type(messages).__name__}"
        raise FieldTypeError(msg, field="messages") from exc


def _check_journal(journal: object) -> Journal | str | os.PathLike[str] | None:
    if journal is None or isinstance(journal, (Journal, str, os.PathLike)):
        return cast("Journal | str | os.PathLike[str] | None", journal)
    msg = f"journal must be a Journal, a path or None, got {type(journal).__name__}"
    raise FieldTypeError(msg, field="journal")


def _check_resend(value: object) -> bool:
    if not isinstance(value, bool):
        msg = f"resend_possibly_delivered must be True or False, got {type(value).__name__}"
        raise FieldTypeError(msg, field="resend_possibly_delivered")
    return value


def _check_progress(value: object) -> Callable[[SendCounts], object] | None:
    if value is not None and not callable(value):
        msg = f"progress must be a callable taking SendCounts, got {type(value).__name__}"
        raise FieldTypeError(msg, field="progress")
    return cast("Callable[[SendCounts], object] | None", value)


class BulkSend(Closing):
    """One `create_many` call: its input, journal and counts, handed out as one flow per message.

    Use it as a context manager: entering opens the journal when it was given as
    a path, leaving closes it. A run keeps no more than the messages in flight.
    """

    def __init__(
        self,
        core: ClientCore,
        messages: Iterable[Message],
        *,
        journal: Journal | str | os.PathLike[str] | None,
        resend_possibly_delivered: bool,
        progress: Callable[[SendCounts], object] | None,
    ) -> None:
        """Check the arguments; see ``messages.create_many``.

        Raises:
            FieldTypeError: If an argument has the wrong type.
        """
        self._core = core
        self._messages = _check_messages(messages)
        self._journal_arg = _check_journal(journal)
        self._journal: Journal | None = None
        self._resend = _check_resend(resend_possibly_delivered)
        self._progress = _check_progress(progress)
        self._counts = SendCounts()
        # external_id -> (index, fingerprint) of the messages being sent right now, so that
        # a repeated external_id cannot slip past the journal while its twin is in flight.
        self._in_flight: dict[str, tuple[int, str]] = {}
        self.window: int = core.max_concurrent or DEFAULT_WINDOW
        """How many messages an async client sends at a time."""

    def __enter__(self) -> Self:
        """Open the journal if it was given as a path.

        Raises:
            JournalError: If the file is not a usable journal; nothing is sent.
        """
        given = self._journal_arg
        self._journal = given if given is None or isinstance(given, Journal) else Journal(given)
        return self

    def close(self) -> None:
        """Close the journal if this run opened it."""
        if self._journal is not None and self._journal is not self._journal_arg:
            self._journal.close()

    def flows(self) -> Iterator[Flow[SendOutcome]]:
        """Yield one flow per message, pulling each message from the input only when asked.

        The journal decision for a message is taken when its flow is made; its
        ``sending`` record is committed when its request is about to leave.
        """
        for index, message in enumerate(self._messages):
            yield self._flow(index, message)

    def _flow(self, index: int, message: Message) -> Flow[SendOutcome]:
        try:
            operation = create_message(message)
        except ValidationError as error:
            return self._failed(index, message, error)
        if self._journal is None:
            return self._send(operation, index, message, None)
        return self._journaled(operation, index, message, self._journal)

    def _journaled(
        self, operation: Operation[CreatedMessage], index: int, message: Message, journal: Journal
    ) -> Flow[SendOutcome]:
        external_id = message.external_id
        if external_id is None:
            missing = ValidationError(
                f"message at index {index} has no external_id: a journal keys messages by "
                "external_id, so give every message a stable, unique one",
                field="external_id",
            )
            return self._failed(index, message, missing)
        body_fingerprint = fingerprint(operation.content or b"")
        twin = self._in_flight.get(external_id)
        if twin is not None:
            return self._twin(index, message, external_id, body_fingerprint, twin)
        entry = journal.get(external_id)
        decision = decide(entry, body_fingerprint, resend_possibly_delivered=self._resend)
        if entry is None or decision is Decision.SEND:
            self._in_flight[external_id] = (index, body_fingerprint)
            place = _Journaled(journal, external_id, body_fingerprint)
            return self._send(operation, index, message, place)
        if decision is Decision.SKIP:
            return self._skipped(index, message, skip_reason(entry), entry)
        conflict = ExternalIdConflictError(
            f"message at index {index} has the external_id {external_id!r}, which the journal "
            f"holds for a different message ({entry.state.value}); give each message its own "
            "external_id",
            external_id=external_id,
            state=entry.state.value,
        )
        return self._failed(index, message, conflict)

    def _twin(
        self,
        index: int,
        message: Message,
        external_id: str,
        body_fingerprint: str,
        twin: tuple[int, str],
    ) -> Flow[SendOutcome]:
        twin_index, twin_fingerprint = twin
        if twin_fingerprint == body_fingerprint:
            reason = f"the same message (index {twin_index}) is being sent in this run"
            return self._skipped(index, message, reason)
        conflict = ExternalIdConflictError(
            f"message at index {index} has the external_id {external_id!r}, which the message "
            f"at index {twin_index} of this run has too; give each message its own external_id",
            external_id=external_id,
            state=JournalState.SENDING.value,
        )
        return self._failed(index, message, conflict)

    def _send(
        self,
        operation: Operation[CreatedMessage],
        index: int,
        message: Message,
        journaled: _Journaled | None,
    ) -> Flow[SendOutcome]:
        on_start = None if journaled is None else journaled.mark_sending
        try:
            created = yield from self._core.flow(operation, on_start=on_start)
        except APIError as error:
            outcome = SendOutcome(
                index=index, message=message, status=status_of(error), error=error
            )
        else:
            outcome = SendOutcome(
                index=index,
                message=message,
                status=SendStatus.SENT,
                message_id=created.id,
                conversation_id=created.conversation_id,
            )
        finally:
            if journaled is not None:
                del self._in_flight[journaled.external_id]
        if journaled is not None:
            record(journaled.journal, journaled.external_id, outcome)
        return self._count(outcome)

    def _failed(self, index: int, message: Message, error: MissiveError) -> Flow[SendOutcome]:
        failed = SendOutcome(index=index, message=message, status=SendStatus.FAILED, error=error)
        return self._ready(failed)

    def _skipped(
        self, index: int, message: Message, reason: str, entry: JournalEntry | None = None
    ) -> Flow[SendOutcome]:
        # A journal entry that decided the skip also says what Missive answered, if it did.
        skipped = SendOutcome(
            index=index,
            message=message,
            status=SendStatus.SKIPPED,
            message_id=None if entry is None else entry.message_id,
            conversation_id=None if entry is None else entry.conversation_id,
            reason=reason,
            journal_entry=entry,
        )
        return self._ready(skipped)

    def _ready(self, outcome: SendOutcome) -> Flow[SendOutcome]:
        # A flow that sends nothing: the outcome was decided before any request.
        yield from ()
        return self._count(outcome)

    def _count(self, outcome: SendOutcome) -> SendOutcome:
        self._counts = self._counts.add(outcome.status)
        if self._progress is not None:
            self._progress(self._counts)
        return outcome


@attrs.frozen
class _Journaled:
    """A message's place in the journal, and its ``sending`` record, committed on request."""

    journal: Journal
    external_id: str
    fingerprint: str

    def mark_sending(self) -> None:
        self.journal.mark_sending(self.external_id, self.fingerprint)

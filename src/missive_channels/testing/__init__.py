"""Testing kit: `FakeMissive`, a local stand-in for Missive's API, and webhook factories.

Nobody can run Missive locally, so integrations test against `FakeMissive`: a
real HTTP server on 127.0.0.1 (or, for unit tests, the same fake served in-process
through `FakeMissive.transport`) that answers like Missive's custom-channel API,
enforces its limits, injects faults on request, and plays the Missive user by
POSTing signed webhooks to your receiver. The factories (`webhook_payload`,
`signed_webhook_request`) build webhook requests without any server; sign other
bodies with `missive_channels.webhooks.compute_signature`.
"""

from missive_channels._errors import FakeMissiveError, SendRefusedError, WebhookDeliveryError
from missive_channels._exports import publish as _publish

from ._fake import FakeMissive
from ._faults import Fault, FaultKind, FaultQueue
from ._gateway import RecordedRequest
from ._payloads import signed_webhook_request, webhook_payload
from ._playback import WebhookDelivery
from ._settings import ChannelSettings, ChannelType, ManualClock, MissiveUser, RecipientField
from ._shapes import (
    AssigneeData,
    AttachmentData,
    AuthorData,
    ConversationAuthorData,
    ConversationData,
    ConversationUserData,
    LabelData,
    OrganizationData,
    ParticipantData,
    TeamData,
    WebhookMessageData,
    WebhookPayload,
)
from ._state import RecordedMessage, RecordedPost
from ._transport import AsyncFakeTransport, FakeTransport

__all__ = [
    "AssigneeData",
    "AsyncFakeTransport",
    "AttachmentData",
    "AuthorData",
    "ChannelSettings",
    "ChannelType",
    "ConversationAuthorData",
    "ConversationData",
    "ConversationUserData",
    "FakeMissive",
    "FakeMissiveError",
    "FakeTransport",
    "Fault",
    "FaultKind",
    "FaultQueue",
    "LabelData",
    "ManualClock",
    "MissiveUser",
    "OrganizationData",
    "ParticipantData",
    "RecipientField",
    "RecordedMessage",
    "RecordedPost",
    "RecordedRequest",
    "SendRefusedError",
    "TeamData",
    "WebhookDelivery",
    "WebhookDeliveryError",
    "WebhookMessageData",
    "WebhookPayload",
    "signed_webhook_request",
    "webhook_payload",
]

_publish(__name__, globals(), __all__)

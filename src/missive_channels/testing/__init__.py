"""Testing kit: `FakeMissive`, a local stand-in for Missive's API, and webhook factories.

Nobody can run Missive locally, so integrations test against `FakeMissive`: a
real HTTP server on 127.0.0.1 that answers like Missive's custom-channel API,
enforces its limits, injects faults on request, and plays the Missive user by
POSTing signed webhooks to your receiver. The factories (`webhook_payload`,
`signed_webhook_request`) build webhook requests without any server.
"""

from missive_channels._errors import FakeMissiveError, SendRefusedError, WebhookDeliveryError

from ._faults import Fault, FaultKind, FaultQueue
from ._payloads import (
    DEFAULT_SIGNATURE_HEADER,
    signed_webhook_request,
    webhook_payload,
    webhook_signature,
)
from ._server import FakeMissive, RecordedRequest, WebhookDelivery
from ._settings import (
    ChannelSettings,
    ChannelType,
    ManualClock,
    MissiveUser,
    RateLimits,
    RecipientField,
)
from ._state import RecordedMessage, RecordedPost

__all__ = [
    "DEFAULT_SIGNATURE_HEADER",
    "ChannelSettings",
    "ChannelType",
    "FakeMissive",
    "FakeMissiveError",
    "Fault",
    "FaultKind",
    "FaultQueue",
    "ManualClock",
    "MissiveUser",
    "RateLimits",
    "RecipientField",
    "RecordedMessage",
    "RecordedPost",
    "RecordedRequest",
    "SendRefusedError",
    "WebhookDelivery",
    "WebhookDeliveryError",
    "signed_webhook_request",
    "webhook_payload",
    "webhook_signature",
]

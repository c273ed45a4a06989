"""FakeMissive's HTTP API over real loopback sockets: auth, validation, threading, pages, posts."""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from fake_support import TLS, api
from missive_channels import FieldTypeError, ValidationError
from missive_channels.testing import (
    ChannelSettings,
    FakeMissive,
    FakeMissiveError,
    ManualClock,
    MissiveUser,
)

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def fake() -> Iterator[FakeMissive]:
    """A running fake without rate limits, on a manual clock."""
    with FakeMissive(rate_limit=None, clock=ManualClock()) as fake:
        yield fake


@pytest.fixture
def client(fake: FakeMissive) -> Iterator[httpx.Client]:
    """An httpx client authenticated against the fake."""
    with api(fake) as client:
        yield client


@pytest.fixture
def text(fake: FakeMissive) -> str:
    """The account id of a Text channel."""
    return fake.add_channel(ChannelSettings(type="text"))


@pytest.fixture
def email(fake: FakeMissive) -> str:
    """The account id of an Email channel."""
    return fake.add_channel(ChannelSettings(type="email"))


def send(client: httpx.Client, account: str, /, **fields: Any) -> httpx.Response:
    """POST a Text message from Marta with extra fields."""
    message = {"account": account, "from_field": {"name": "Marta"}, **fields}
    return client.post("/messages", json={"messages": message})


def created(response: httpx.Response) -> dict[str, str]:
    """Return the ``messages`` object of a 201 response."""
    assert response.status_code == 201, response.text
    result: dict[str, str] = response.json()["messages"]
    return result


def conversation(client: httpx.Client, conversation_id: str) -> dict[str, Any]:
    """GET one conversation."""
    response = client.get(f"/conversations/{conversation_id}")
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["conversations"]
    assert len(items) == 1
    return items[0]


def raw_exchange(fake: FakeMissive, request: bytes) -> bytes:
    """Send raw bytes to the fake, half-close, and return everything it answers."""
    port = int(fake.base_url.split(":")[2].split("/")[0])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


# -- lifecycle ----------------------------------------------------------------------------


def test_base_url_is_loopback_and_ends_in_v1(fake: FakeMissive) -> None:
    """The fake listens on 127.0.0.1 and hands out the API root."""
    assert fake.base_url.startswith("http://127.0.0.1:")
    assert fake.base_url.endswith("/v1")


def test_base_url_before_start_is_an_error() -> None:
    """Asking a stopped fake for its URL says how to start it."""
    with pytest.raises(FakeMissiveError, match="not running"):
        _ = FakeMissive().base_url


def test_starting_twice_is_an_error(fake: FakeMissive) -> None:
    """A running fake refuses a second start."""
    with pytest.raises(FakeMissiveError, match="already running"):
        fake.start()


def test_stop_joins_threads_and_is_idempotent() -> None:
    """Stopping ends every server thread, even with a keep-alive connection open."""
    before = threading.active_count()
    fake = FakeMissive().start()
    with api(fake) as client:
        assert client.get("/conversations/x").status_code == 404
        fake.stop()
        fake.stop()
    assert threading.active_count() == before
    assert repr(fake) == "<FakeMissive stopped>"


def test_a_taken_port_is_an_error(fake: FakeMissive) -> None:
    """Listening on a port in use fails with our error."""
    port = int(fake.base_url.split(":")[2].split("/")[0])
    with pytest.raises(FakeMissiveError, match="cannot listen"):
        FakeMissive(port=port).start()


def test_repr_never_shows_the_token(fake: FakeMissive) -> None:
    """The token stays out of the repr."""
    assert fake.token not in repr(fake)
    assert fake.base_url in repr(fake)


def test_token_is_configurable_and_random_by_default() -> None:
    """A given token is used as is; default tokens differ and look like Missive's."""
    assert FakeMissive(token="t-1").token == "t-1"
    first, second = FakeMissive().token, FakeMissive().token
    assert first != second
    assert first.startswith("missive_pat-")


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"time_scale": 0}, ValidationError, "positive"),
        ({"time_scale": "fast"}, FieldTypeError, "number"),
        ({"time_scale": True}, FieldTypeError, "number"),
        ({"rate_limit": 5}, FieldTypeError, "RateLimit or None"),
        ({"oversize_status": 500}, ValidationError, "413 or 400"),
    ],
)
def test_invalid_configuration_is_refused(
    options: dict[str, Any], error: type[Exception], match: str
) -> None:
    """Bad constructor arguments raise our typed errors."""
    with pytest.raises(error, match=match):
        FakeMissive(**options)


# -- channels -----------------------------------------------------------------------------


def test_channels_from_the_constructor_get_account_ids() -> None:
    """Channels passed at construction are listed by account id."""
    fake = FakeMissive(channels=[ChannelSettings(type="html"), ChannelSettings(type="email")])
    assert sorted(s.type for s in fake.channels.values()) == ["email", "html"]


def test_add_channel_with_an_account_id_updates_it(fake: FakeMissive) -> None:
    """Re-adding an account id replaces its settings but never its type."""
    account = fake.add_channel(account="acc-1")
    assert account == "acc-1"
    assert fake.channels["acc-1"] == ChannelSettings()
    fake.add_channel(ChannelSettings(allow_replies=False), account="acc-1")
    assert not fake.channels["acc-1"].allow_replies
    with pytest.raises(ValidationError, match="never changes a channel's message type"):
        fake.add_channel(ChannelSettings(type="html"), account="acc-1")


def test_add_channel_refuses_other_objects(fake: FakeMissive) -> None:
    """Only ChannelSettings configure a channel."""
    with pytest.raises(ValidationError, match="ChannelSettings"):
        fake.add_channel({"type": "text"})  # type: ignore[arg-type]


# -- auth and routing ---------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Token {token}", "{token}"])
def test_requests_without_the_bearer_token_get_401(fake: FakeMissive, header: str | None) -> None:
    """Missing or wrong credentials are answered 401 with a JSON error."""
    headers = {} if header is None else {"Authorization": header.format(token=fake.token)}
    with httpx.Client(base_url=fake.base_url, trust_env=False, verify=TLS) as client:
        response = client.get("/conversations/c-1", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "missing or invalid API token"}


@pytest.mark.parametrize(
    "path", ["/nothing", "/v1/unknown", "/v1/conversations/c/drafts", "/v2/messages", "/v1"]
)
def test_unknown_routes_get_404_json(fake: FakeMissive, path: str) -> None:
    """Paths the fake does not implement are a JSON 404."""
    with httpx.Client(headers={"Authorization": f"Bearer {fake.token}"}, verify=TLS) as c:
        response = c.get(fake.base_url.removesuffix("/v1") + path)
    assert response.status_code == 404
    assert "no route" in response.json()["error"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/messages", "POST"),
        ("DELETE", "/messages/m-1", "GET"),
        ("PUT", "/posts", "POST"),
        ("PATCH", "/conversations/c-1", "GET"),
    ],
)
def test_wrong_methods_get_405(client: httpx.Client, method: str, path: str, allowed: str) -> None:
    """A known route with the wrong method says which method it takes."""
    response = client.request(method, path)
    assert response.status_code == 405
    assert f"use {allowed}" in response.json()["error"]


def test_head_gets_headers_but_no_body(client: httpx.Client) -> None:
    """HEAD is answered like GET would be refused, without a body."""
    response = client.head("/conversations/c-1")
    assert response.status_code == 405
    assert response.content == b""


def test_error_key_is_configurable() -> None:
    """Error bodies can use another key, since Missive's error shape is undocumented."""
    with FakeMissive(error_key="message") as fake, api(fake) as client:
        response = client.get("/conversations/nope")
    assert response.json() == {"message": "conversation 'nope' does not exist"}


def test_an_internal_fault_of_the_fake_is_a_500(
    fake: FakeMissive, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug inside the fake answers 500 instead of hanging the client."""

    def boom(*_: object) -> None:
        msg = "bug"
        raise RuntimeError(msg)

    monkeypatch.setattr(fake._store, "handle", boom)
    response = client.get("/conversations/c-1")
    assert response.status_code == 500
    assert "RuntimeError('bug')" in response.json()["error"]


# -- POST /messages validation ------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "content_type", "status", "match"),
    [
        (b"{", "application/json", 400, "not valid JSON"),
        (b"\xff\xfe", "application/json", 400, "not valid JSON"),
        (b"[]", "application/json", 400, 'object {"messages"'),
        (b'{"messages": []}', "application/json", 400, 'object {"messages"'),
        (b'{"message": {}}', "application/json", 400, 'object {"messages"'),
        (b"{}", "text/plain", 400, "Content-Type must be application/json, got text/plain"),
        (b"{}", None, 400, "got none"),
    ],
)
def test_malformed_bodies_get_400(
    client: httpx.Client, content: bytes, content_type: str | None, status: int, match: str
) -> None:
    """Bodies that are not a JSON object in the right envelope are refused."""
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = client.post("/messages", content=content, headers=headers)
    assert response.status_code == status
    assert match in response.json()["error"]


def test_content_type_parameters_are_accepted(client: httpx.Client, text: str) -> None:
    """``application/json; charset=utf-8`` is JSON too."""
    body = json.dumps({"messages": {"account": text, "from_field": {"id": "u"}}}).encode()
    response = client.post(
        "/messages", content=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("fields", "status", "match"),
    [
        ({"account": None}, 400, "messages.account is required"),
        ({"account": 7}, 400, "messages.account must be a string"),
        ({"account": "nope"}, 404, "'nope' is not a custom channel account"),
        ({"from_field": None}, 400, "messages.from_field is required"),
        ({"subject": "Hi"}, 400, "messages.subject applies to Email channels only"),
        ({"cc_fields": [{"address": "a@b.c"}]}, 400, "messages.cc_fields applies to Email"),
        ({"bcc_fields": [{"address": "a@b.c"}]}, 400, "messages.bcc_fields applies to Email"),
        ({"from_field": {"address": "a@b.c"}}, 400, "messages.from_field has address"),
        ({"from_field": "Marta"}, 400, "messages.from_field must be an object"),
        ({"from_field": {}}, 400, "needs at least one of id, username, name"),
        ({"from_field": {"id": 5}}, 400, "messages.from_field.id must be a string"),
        ({"to_fields": {"id": "x"}}, 400, "messages.to_fields must be an array of participants"),
        ({"to_fields": [{"name": None}]}, 400, "messages.to_fields[0] needs at least one"),
        ({"body": 12}, 400, "messages.body must be a string"),
        ({"delivered_at": "2024-06-10"}, 400, "messages.delivered_at must be a non-negative"),
        ({"delivered_at": True}, 400, "messages.delivered_at must be a non-negative"),
        ({"delivered_at": -1}, 400, "messages.delivered_at must be a non-negative"),
        ({"references": "thread-1"}, 400, "messages.references must be an array of strings"),
        ({"references": [1]}, 400, "messages.references must be an array of strings"),
        ({"close": "yes"}, 400, "messages.close must be true or false"),
        ({"to_field": []}, 400, "messages.to_field is not a parameter Missive documents"),
        ({"attachments": {}}, 400, "messages.attachments must be an array"),
        ({"attachments": ["x"]}, 400, "attachments[0] must be an object"),
        ({"attachments": [{"filename": "a.txt"}]}, 400, "base64_data must be a base64 string"),
        ({"attachments": [{"base64_data": "!!", "filename": "a"}]}, 400, "not valid base64"),
        ({"attachments": [{"base64_data": "", "filename": " "}]}, 400, "filename must be"),
        (
            {"attachments": [{"base64_data": "", "filename": "a", "url": "u"}]},
            400,
            "accepts only base64_data and filename",
        ),
        ({"add_users": ["u-1"]}, 400, "messages.add_users needs organization"),
        ({"add_assignees": ["u-1"]}, 400, "messages.add_assignees needs organization"),
        ({"remove_assignees": ["u-1"]}, 400, "messages.remove_assignees needs organization"),
        ({"add_to_team_inbox": True}, 400, "messages.add_to_team_inbox needs team"),
        ({"force_team": True}, 400, "messages.force_team needs team"),
        ({"conversation_color": "red"}, 400, "conversation_color must be a hex colour"),
        ({"conversation": "c-404"}, 404, "messages.conversation 'c-404' does not exist"),
    ],
)
def test_invalid_messages_are_refused_like_missive(
    *,
    fake: FakeMissive,
    client: httpx.Client,
    text: str,
    fields: dict[str, Any],
    status: int,
    match: str,
) -> None:
    """Each of Missive's rules answers its status with a reason, and nothing is recorded."""
    response = send(client, text, **fields)
    assert response.status_code == status
    assert match in response.json()["error"]
    assert fake.messages == []
    assert fake.conversations == []


@pytest.mark.parametrize(
    ("participant", "match"),
    [
        ({"id": "u-1"}, "must be {address, name} with an email address"),
        ({"address": "not-an-address"}, "must be {address, name}"),
        ({"address": "a@b.c", "name": 3}, "messages.from_field.name must be a string"),
    ],
)
def test_email_channels_want_email_participants(
    client: httpx.Client, email: str, participant: dict[str, Any], match: str
) -> None:
    """An Email channel refuses Text-shaped or malformed senders."""
    response = client.post(
        "/messages", json={"messages": {"account": email, "from_field": participant}}
    )
    assert response.status_code == 400
    assert match in response.json()["error"]


def test_email_channels_take_subject_cc_and_bcc(
    fake: FakeMissive, client: httpx.Client, email: str
) -> None:
    """Email-only fields are fine on an Email channel and shown by GET."""
    address = {"address": "marta@example.com", "name": "Marta"}
    ids = created(
        client.post(
            "/messages",
            json={
                "messages": {
                    "account": email,
                    "from_field": address,
                    "to_fields": [{"address": "desk@example.com"}],
                    "cc_fields": [address],
                    "bcc_fields": [address],
                    "subject": "Order 5521",
                    "body": "<p>Where is it?</p>",
                }
            },
        )
    )
    message = client.get(f"/messages/{ids['id']}").json()["messages"]
    assert message["subject"] == "Order 5521"
    assert message["type"] == "custom_email"
    assert message["to_fields"] == [{"address": "desk@example.com", "name": None}]
    assert message["cc_fields"] == [address]
    assert message["preview"] == "Where is it?"
    assert fake.conversation(ids["conversation"])["latest_message_subject"] == "Order 5521"


def test_lenient_mode_ignores_undocumented_fields(text: str) -> None:
    """With strict_fields=False unknown parameters pass silently, as Missive may do."""
    with FakeMissive(strict_fields=False, channels=()) as fake, api(fake) as client:
        account = fake.add_channel(account=text)
        assert send(client, account, colour="blue").status_code == 201


def test_accepted_messages_are_recorded_as_sent(
    fake: FakeMissive, client: httpx.Client, text: str
) -> None:
    """`fake.messages` holds each accepted payload with its ids, in order."""
    first = created(send(client, text, body="one", external_id="e-1"))
    second = created(send(client, text, body="two"))
    assert [m.id for m in fake.messages] == [first["id"], second["id"]]
    recorded = fake.messages[0]
    assert recorded.conversation == first["conversation"]
    assert recorded.account == text
    assert recorded.payload == {
        "account": text,
        "from_field": {"name": "Marta"},
        "body": "one",
        "external_id": "e-1",
    }


# -- request bodies -----------------------------------------------------------------------


def test_a_body_over_the_cap_gets_413_and_is_not_recorded(text: str) -> None:
    """An oversize body is read to its end and refused with 413, keeping the connection usable."""
    with FakeMissive(rate_limit=None, max_request_bytes=2_000) as fake, api(fake) as client:
        fake.add_channel(account=text)
        response = send(client, text, body="x" * 3_000)
        assert response.status_code == 413
        error = response.json()["error"]
        assert re.fullmatch(r"the body is 3,\d{3} bytes, over the cap of 2,000 bytes", error)
        assert fake.messages == []
        assert send(client, text, body="small").status_code == 201


def test_the_oversize_status_can_be_400(text: str) -> None:
    """Missive's status for oversize bodies is unconfirmed, so 400 can be chosen."""
    with FakeMissive(max_request_bytes=100, oversize_status=400) as fake, api(fake) as client:
        fake.add_channel(account=text)
        assert send(client, text, body="x" * 200).status_code == 400


def test_a_chunked_body_gets_411_and_closes(fake: FakeMissive, client: httpx.Client) -> None:
    """A streamed (chunked) body is refused: clients of Missive send a Content-Length."""

    def chunks() -> Iterator[bytes]:
        yield b'{"messages": {}}'

    response = client.post(
        "/messages", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 411
    assert response.headers["Connection"] == "close"
    assert "chunked bodies are not accepted" in response.json()["error"]
    assert fake.messages == []
    assert [r.status for r in fake.requests] == [411]


def test_a_body_that_ends_early_gets_400_and_closes(fake: FakeMissive) -> None:
    """A body shorter than its Content-Length is refused, logged, and the connection closed."""
    head = f"POST /v1/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {fake.token}\r\n"
    answer = raw_exchange(fake, head.encode() + b"Content-Length: 50\r\n\r\n{}")
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"Connection: close" in answer
    assert b"the request body ended early: expected 50 bytes" in answer
    assert [(r.path, r.status) for r in fake.requests] == [("/v1/messages", 400)]


@pytest.mark.parametrize("length", [b"ten", b"-4"])
def test_a_broken_content_length_gets_400_and_closes(fake: FakeMissive, length: bytes) -> None:
    """A head that cannot be parsed is refused before it reaches the API, and closed."""
    head = f"POST /v1/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {fake.token}\r\n"
    answer = raw_exchange(fake, head.encode() + b"Content-Length: " + length + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"Connection: close" in answer
    assert b"malformed request: bad Content-Length" in answer
    assert fake.requests == []


def test_a_client_that_leaves_early_does_not_hurt_the_fake(
    fake: FakeMissive, client: httpx.Client
) -> None:
    """A client closing before the answer is written leaves the fake serving."""
    port = int(fake.base_url.split(":")[2].split("/")[0])
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.sendall(b"GET /v1/conversations/x HTTP/1.1\r\nHost: x\r\n\r\n")
    assert client.get("/conversations/x").status_code == 404


# -- threading and conversation state -----------------------------------------------------


def test_references_thread_messages_into_one_conversation(
    fake: FakeMissive, client: httpx.Client, text: str
) -> None:
    """A message joins the conversation that already carries one of its references."""
    first = created(send(client, text, references=["order-1"]))
    second = created(send(client, text, references=["other", "order-1"]))
    third = created(send(client, text, references=["other"]))
    fourth = created(send(client, text, references=["order-2"]))
    assert first["conversation"] == second["conversation"] == third["conversation"]
    assert fourth["conversation"] != first["conversation"]
    assert len(fake.conversations) == 2


def test_without_references_each_message_starts_a_conversation(
    client: httpx.Client, text: str
) -> None:
    """No references, no conversation: a new conversation each time."""
    assert (
        created(send(client, text))["conversation"] != created(send(client, text))["conversation"]
    )


def test_references_with_whitespace_are_ignored(client: httpx.Client, text: str) -> None:
    """Missive drops references containing whitespace, so they thread nothing."""
    first = created(send(client, text, references=["order 1", ""]))
    second = created(send(client, text, references=["order 1"]))
    assert first["conversation"] != second["conversation"]
    message = client.get(f"/messages/{first['id']}").json()["messages"]
    assert message["references"] == []


def test_conversation_id_threads_and_teaches_references(client: httpx.Client, text: str) -> None:
    """``conversation`` appends to that conversation, which then answers to new references."""
    first = created(send(client, text))
    second = created(send(client, text, conversation=first["conversation"], references=["t-9"]))
    third = created(send(client, text, references=["t-9"]))
    assert first["conversation"] == second["conversation"] == third["conversation"]


def test_conversation_actions_show_in_get(client: httpx.Client, text: str) -> None:
    """Organization, team, users, assignees, labels, subject and colour are applied."""
    ids = created(
        send(
            client,
            text,
            organization="org-1",
            team="team-1",
            add_users=["u-1"],
            add_assignees=["u-2", "u-2"],
            add_shared_labels=["l-1", "l-2"],
            conversation_subject="Order 5521",
            conversation_color="#1f8a70",
        )
    )
    found = conversation(client, ids["conversation"])
    assert found["organization"] == {"id": "org-1", "name": None}
    assert found["team"] == {"id": "team-1", "name": None, "organization": "org-1"}
    assert [u["id"] for u in found["users"]][1:] == ["u-1", "u-2"]
    assert found["assignees"] == [{"id": "u-2", "name": None, "email": None}]
    assert [label["id"] for label in found["shared_labels"]] == ["l-1", "l-2"]
    assert found["subject"] == "Order 5521"
    assert found["color"] == "#1f8a70"
    assert found["messages_count"] == 1
    assert found["web_url"].endswith(f"#inbox/conversations/{ids['conversation']}")
    assert found["app_url"].startswith("missive://")

    send(
        client,
        text,
        conversation=ids["conversation"],
        organization="org-2",
        team="team-2",
        remove_assignees=["u-2", "u-9"],
        remove_shared_labels=["l-1", "l-9"],
    )
    found = conversation(client, ids["conversation"])
    assert found["organization"]["id"] == "org-1"  # an existing conversation keeps its org
    assert found["team"]["id"] == "team-1"  # and its team, unless forced
    assert found["assignees"] == []
    assert [label["id"] for label in found["shared_labels"]] == ["l-2"]

    send(client, text, conversation=ids["conversation"], team="team-2", force_team=True)
    assert conversation(client, ids["conversation"])["team"]["id"] == "team-2"


def test_the_token_owner_sees_assignment_and_closing(fake: FakeMissive) -> None:
    """The owner's user entry carries the closed and assigned flags."""
    owner = MissiveUser(id="me", name="Jonas", email="jonas@example.com")
    with FakeMissive(user=owner) as other, api(other) as owned:
        account = other.add_channel()
        ids = created(send(owned, account, organization="o", add_assignees=["me"], close=True))
        found = conversation(owned, ids["conversation"])
    assert found["users"] == [
        {
            "id": "me",
            "name": "Jonas",
            "email": "jonas@example.com",
            "unassigned": False,
            "closed": True,
            "assigned": True,
            "archived": False,
            "trashed": False,
            "junked": False,
            "flagged": False,
            "snoozed": False,
        }
    ]
    assert found["assignees"] == [{"id": "me", "name": "Jonas", "email": "jonas@example.com"}]
    assert found["assignee_names"] == "Jonas"
    assert found["assignee_emails"] == "jonas@example.com"
    assert fake.user.name == "Fake Agent"


def test_close_and_reopen(client: httpx.Client, text: str) -> None:
    """``close`` closes for everyone; a later message without it reopens the conversation."""
    ids = created(send(client, text, close=True))
    assert conversation(client, ids["conversation"])["users"][0]["closed"] is True
    send(client, text, conversation=ids["conversation"])
    assert conversation(client, ids["conversation"])["users"][0]["closed"] is False


def test_conversation_summary_counts_and_authors(client: httpx.Client, text: str) -> None:
    """Counts, authors and the latest subject follow the messages."""
    attachment = {"base64_data": base64.b64encode(b"12345").decode(), "filename": "a.png"}
    ids = created(send(client, text, attachments=[attachment, attachment]))
    client.post(
        "/messages",
        json={
            "messages": {
                "account": text,
                "conversation": ids["conversation"],
                "from_field": {"username": "@desk"},
            }
        },
    )
    found = conversation(client, ids["conversation"])
    assert found["attachments_count"] == 2
    assert found["messages_count"] == 2
    assert found["authors"] == [
        {"name": "Marta", "address": None},
        {"name": "@desk", "address": None},
    ]
    assert found["latest_message_subject"] == "Message from @desk"


def test_fake_conversation_lookups(fake: FakeMissive, client: httpx.Client, text: str) -> None:
    """`fake.conversation()` matches GET; an unknown id is our error."""
    ids = created(send(client, text))
    assert fake.conversation(ids["conversation"]) == conversation(client, ids["conversation"])
    assert fake.conversations == [fake.conversation(ids["conversation"])]
    with pytest.raises(FakeMissiveError, match="no conversation 'nope'"):
        fake.conversation("nope")


# -- GET /messages/:ids -------------------------------------------------------------------


def test_get_one_message_returns_it_with_its_conversation(
    fake: FakeMissive, client: httpx.Client, text: str
) -> None:
    """One id gives ``{"messages": {...}}`` shaped like Missive's, with attachment metadata."""
    attachment = {"base64_data": base64.b64encode(b"\x89PNG").decode(), "filename": "shot.png"}
    ids = created(
        send(
            client,
            text,
            body="Hello   there",
            delivered_at=1_700_000_000,
            to_fields=[{"id": "desk"}],
            attachments=[attachment],
            external_id="e-1",
        )
    )
    message = client.get(f"/messages/{ids['id']}").json()["messages"]
    assert message["id"] == ids["id"]
    assert message["type"] == "custom_text"
    assert message["body"] == "Hello   there"
    assert message["preview"] == "Hello there"
    assert message["delivered_at"] == 1_700_000_000
    assert message["created_at"] == int(fake.clock())
    assert message["from_field"] == {"id": None, "username": None, "name": "Marta"}
    assert message["to_fields"] == [{"id": "desk", "username": None, "name": None}]
    assert message["external_id"] == "e-1"
    assert message["conversation"]["id"] == ids["conversation"]
    (meta,) = message["attachments"]
    assert meta["filename"] == "shot.png"
    assert meta["extension"] == "png"
    assert (meta["media_type"], meta["sub_type"]) == ("image", "png")
    assert meta["size"] == 4


def test_unknown_attachment_types_are_octet_streams(client: httpx.Client, text: str) -> None:
    """A file without a known extension is described as application/octet-stream."""
    attachment = {"base64_data": "", "filename": "README"}
    ids = created(send(client, text, attachments=[attachment]))
    (meta,) = client.get(f"/messages/{ids['id']}").json()["messages"]["attachments"]
    assert (meta["media_type"], meta["sub_type"], meta["extension"]) == (
        "application",
        "octet-stream",
        "",
    )


def test_get_several_messages_returns_a_list(client: httpx.Client, text: str) -> None:
    """Comma-separated ids give a list, in the order asked."""
    first, second = created(send(client, text)), created(send(client, text))
    found = client.get(f"/messages/{second['id']},{first['id']}").json()["messages"]
    assert [m["id"] for m in found] == [second["id"], first["id"]]


@pytest.mark.parametrize("ids", ["nope", "{id},nope", ","])
def test_get_unknown_messages_is_404(client: httpx.Client, text: str, ids: str) -> None:
    """Any unknown id makes the whole lookup a 404."""
    known = created(send(client, text))["id"]
    response = client.get(f"/messages/{ids.format(id=known)}")
    assert response.status_code == 404
    assert "does not exist" in response.json()["error"]


# -- GET /conversations/:id/messages ------------------------------------------------------


def page(client: httpx.Client, conversation_id: str, **query: int | str) -> list[dict[str, Any]]:
    """GET one page of a conversation's messages."""
    response = client.get(f"/conversations/{conversation_id}/messages", params=query)
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


def thread(client: httpx.Client, account: str, stamps: list[int]) -> str:
    """Create one conversation with a message per timestamp; return its id."""
    first = created(send(client, account, delivered_at=stamps[0], body="0"))
    for index, stamp in enumerate(stamps[1:], 1):
        send(
            client, account, conversation=first["conversation"], delivered_at=stamp, body=str(index)
        )
    return first["conversation"]


def test_messages_come_newest_first_ten_at_most(client: httpx.Client, text: str) -> None:
    """The default and maximum page is 10, ordered by delivered_at descending."""
    conversation_id = thread(client, text, [100 + i for i in range(14)])
    assert [m["delivered_at"] for m in page(client, conversation_id)] == list(range(113, 103, -1))
    assert len(page(client, conversation_id, limit=50)) == 10
    assert [m["delivered_at"] for m in page(client, conversation_id, limit=3)] == [113, 112, 111]


def test_until_is_inclusive_so_the_boundary_message_repeats(
    client: httpx.Client, text: str
) -> None:
    """Paging with ``until`` = the oldest delivered_at of a page starts with that message again."""
    conversation_id = thread(client, text, [100 + i for i in range(14)])
    first = page(client, conversation_id)
    second = page(client, conversation_id, until=first[-1]["delivered_at"])
    assert second[0]["id"] == first[-1]["id"]
    assert [m["delivered_at"] for m in second] == [104, 103, 102, 101, 100]


def test_a_page_grows_past_the_limit_to_keep_ties_together(client: httpx.Client, text: str) -> None:
    """Messages sharing the page's oldest delivered_at all come back, even beyond ``limit``."""
    conversation_id = thread(client, text, [200, 200, 150, 150, 150, 150, 100])
    first = page(client, conversation_id, limit=3)
    assert [m["delivered_at"] for m in first] == [200, 200, 150, 150, 150, 150]
    assert [m["body"] for m in first] == ["1", "0", "5", "4", "3", "2"]  # later-sent first on ties


def test_a_page_of_one_timestamp_would_repeat_forever(client: httpx.Client, text: str) -> None:
    """When a whole page shares one delivered_at, Missive's rule says stop; until-1 goes on."""
    conversation_id = thread(client, text, [300] * 12 + [100])
    first = page(client, conversation_id)
    assert len(first) == 12
    assert page(client, conversation_id, until=300) == first
    assert [m["delivered_at"] for m in page(client, conversation_id, until=299)] == [100]


def test_messages_of_an_empty_range_are_an_empty_page(client: httpx.Client, text: str) -> None:
    """An ``until`` older than every message gives an empty list."""
    conversation_id = thread(client, text, [100])
    assert page(client, conversation_id, until=50) == []


@pytest.mark.parametrize(
    ("query", "status", "match"),
    [
        ({"limit": "ten"}, 400, "limit must be an integer"),
        ({"limit": 0}, 400, "limit must be at least 1"),
        ({"until": "yesterday"}, 400, "until must be an integer"),
    ],
)
def test_bad_paging_parameters_get_400(
    client: httpx.Client, text: str, query: dict[str, Any], status: int, match: str
) -> None:
    """Non-integer or zero paging parameters are refused."""
    conversation_id = thread(client, text, [100])
    response = client.get(f"/conversations/{conversation_id}/messages", params=query)
    assert response.status_code == status
    assert match in response.json()["error"]


def test_messages_of_an_unknown_conversation_is_404(client: httpx.Client) -> None:
    """Listing an unknown conversation is a 404."""
    assert client.get("/conversations/nope/messages").status_code == 404


# -- POST /posts --------------------------------------------------------------------------


def post(client: httpx.Client, **fields: Any) -> httpx.Response:
    """POST a post with a notification and text plus extra fields."""
    body = {"notification": {"title": "Sent", "body": "Delivered"}, "text": "Delivered", **fields}
    return client.post("/posts", json={"posts": {k: v for k, v in body.items() if v is not None}})


def test_a_post_joins_a_conversation_and_is_recorded(
    fake: FakeMissive, client: httpx.Client, text: str
) -> None:
    """A post threads like a message and answers ``{"posts": {...}}``."""
    ids = created(send(client, text, references=["r-1"]))
    response = post(client, references=["r-1"])
    assert response.status_code == 201
    result = response.json()["posts"]
    assert result["conversation"] == ids["conversation"]
    assert [p.id for p in fake.posts] == [result["id"]]
    assert fake.posts[0].payload["text"] == "Delivered"


def test_a_post_without_conversation_starts_one(fake: FakeMissive, client: httpx.Client) -> None:
    """A post with no threading key creates a conversation of its own."""
    response = post(client, markdown="**done**", text=None, conversation_subject="Receipts")
    conversation_id = response.json()["posts"]["conversation"]
    assert fake.conversation(conversation_id)["subject"] == "Receipts"


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"notification": None}, "posts.notification is required"),
        ({"notification": {"title": "t"}}, "posts.notification is required"),
        ({"notification": "hi"}, "posts.notification is required"),
        ({"text": None}, "a post needs text, markdown or attachments"),
        ({"text": None, "attachments": []}, "a post needs text, markdown or attachments"),
        ({"attachments": {"text": "x"}}, "posts.attachments must be an array"),
        ({"reopen": "no"}, "posts.reopen must be true or false"),
        ({"add_users": ["u"]}, "posts.add_users needs organization"),
        ({"account": "a"}, "posts.account is not a parameter Missive documents"),
    ],
)
def test_invalid_posts_get_400(client: httpx.Client, fields: dict[str, Any], match: str) -> None:
    """Posts need a notification and some content, like Missive's."""
    response = post(client, **fields)
    assert response.status_code == 400
    assert match in response.json()["error"]


def test_rich_attachments_alone_make_a_post(client: httpx.Client) -> None:
    """Attachments are content enough for a post."""
    assert post(client, text=None, attachments=[{"text": "Build #4 passed"}]).status_code == 201


def test_post_reopen_keeps_a_closed_conversation_closed(client: httpx.Client, text: str) -> None:
    """A post reopens a closed conversation unless ``reopen`` is true, Missive's inverted flag."""
    conversation_id = created(send(client, text, close=True))["conversation"]
    post(client, conversation=conversation_id, reopen=True)
    assert conversation(client, conversation_id)["users"][0]["closed"] is True
    post(client, conversation=conversation_id)
    assert conversation(client, conversation_id)["users"][0]["closed"] is False


def test_post_to_an_unknown_conversation_is_404(client: httpx.Client) -> None:
    """A post's ``conversation`` must exist."""
    assert post(client, conversation="nope").status_code == 404


def test_moving_to_an_inbox_reopens(client: httpx.Client, text: str) -> None:
    """``add_to_inbox`` and ``add_to_team_inbox`` reopen a closed conversation."""
    conversation_id = created(send(client, text, close=True))["conversation"]
    post(client, conversation=conversation_id, reopen=True, add_to_inbox=True)
    assert conversation(client, conversation_id)["users"][0]["closed"] is False
    send(client, text, conversation=conversation_id, close=True)
    post(client, conversation=conversation_id, reopen=True, team="t", add_to_team_inbox=True)
    assert conversation(client, conversation_id)["users"][0]["closed"] is False


# -- empty-201 mode -----------------------------------------------------------------------


def test_empty_responses_mode_answers_201_without_a_body(
    fake: FakeMissive, client: httpx.Client, text: str
) -> None:
    """Missive may answer a POST with an empty 201; the fake can too, switchable at runtime."""
    fake.empty_responses = True
    assert fake.empty_responses
    for response in (send(client, text), post(client)):
        assert response.status_code == 201
        assert response.content == b""
        assert response.headers["Content-Length"] == "0"
        assert "Content-Type" not in response.headers
    assert len(fake.messages) == 1
    assert len(fake.posts) == 1
    fake.empty_responses = False
    assert send(client, text).json()["messages"]["id"]


# -- logs and reset -----------------------------------------------------------------------


def test_requests_are_logged_with_their_outcome(
    fake: FakeMissive, client: httpx.Client, text: str
) -> None:
    """Every request is logged with method, path, query, body and status; headers stay hidden."""
    send(client, text, body="x")
    client.get("/conversations/nope/messages", params={"limit": 2})
    first, second = fake.requests
    assert (first.method, first.path, first.status, first.fault) == (
        "POST",
        "/v1/messages",
        201,
        None,
    )
    assert json.loads(first.body)["messages"]["body"] == "x"
    assert first.headers["authorization"] == f"Bearer {fake.token}"
    assert fake.token not in repr(first)
    assert (second.method, second.query, second.status) == ("GET", {"limit": "2"}, 404)


def test_reset_forgets_everything_but_channels(
    fake: FakeMissive, client: httpx.Client, text: str
) -> None:
    """After reset the fake is empty again, with the same channels and token."""
    ids = created(send(client, text, references=["r"]))
    post(client)
    fake.reset()
    assert (fake.messages, fake.posts, fake.conversations, fake.requests) == ([], [], [], [])
    assert fake.deliveries == []
    assert text in fake.channels
    assert created(send(client, text, references=["r"]))["conversation"] != ids["conversation"]


def test_references_match_an_earlier_messages_external_id(
    fake: FakeMissive, client: httpx.Client, text: str
) -> None:
    """As Missive does, a reference equal to an earlier message's external_id threads into it."""
    first = created(send(client, text, external_id="order-77"))
    reply = created(send(client, text, references=["order-77"]))
    assert reply["conversation"] == first["conversation"]
    receipt = post(client, references=["order-77"])
    assert receipt.json()["posts"]["conversation"] == first["conversation"]
    assert len(fake.conversations) == 1


def test_chevrons_are_optional_on_a_posts_references(client: httpx.Client, text: str) -> None:
    """A post's reference matches with or without the chevrons the message used, both ways."""
    wrapped = created(send(client, text, references=["<abc@mail.example>"]))
    bare = created(send(client, text, references=["xyz@mail.example"]))
    assert (
        post(client, references=["abc@mail.example"]).json()["posts"]["conversation"]
        == (wrapped["conversation"])
    )
    assert (
        post(client, references=["<xyz@mail.example>"]).json()["posts"]["conversation"]
        == (bare["conversation"])
    )
    exact = created(send(client, text, references=["m-1@mail.example"]))
    other = created(send(client, text, references=["<m-1@mail.example>"]))
    assert other["conversation"] != exact["conversation"]  # a message's references match exactly

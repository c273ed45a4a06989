"""Cross-check the CPU-bound rows with instruction counts, which machine load cannot skew.

Usage: ``python instructions.py`` (needs valgrind). Each case runs in a fresh
interpreter under ``valgrind --tool=callgrind``, once with ``N`` calls and once
with none; the difference divided by ``N`` is the instructions per call.
Instructions are not time (C code retires more of them per cycle than the
interpreter does), but their ratios are repeatable to a fraction of a percent.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

HERE = Path(__file__).resolve().parent
BODY = (HERE.parent / "tests" / "fixtures" / "webhook_text.json").read_bytes()
SECRET = "whsec-3f9a1c2e7b6d4058"  # noqa: S105 - a made-up secret signing a fixture
PAIRS = [
    ("1. unwrap / floor", "unwrap", "floor"),
    ("1. unwrap / pydantic v2", "unwrap", "pydantic"),
    ("2. verify_signature / floor", "verify_signature", "signature_floor"),
    ("3. encode_request / json.dumps", "encode", "dumps"),
    ("4. sync messages.create / httpx.Client.post(json=), per request", "create", "post"),
    ("4. the same, raw posting bytes encoded once beforehand", "create", "post_bytes"),
]
#: Where the client cases send: the loopback server `main` starts, outside valgrind.
SERVER_ENV = "BENCH_SERVER_URL"


def cases() -> dict[str, Callable[[], object]]:
    """The measured callables, built like run.py builds them."""
    import attrs  # noqa: PLC0415
    import httpx  # noqa: PLC0415
    from peers import PydanticEvent  # noqa: PLC0415 - only in the measured interpreter
    from run import TOKEN, full_text_message, hand_built_body  # noqa: PLC0415

    from missive_channels import MissiveClient, to_request_body  # noqa: PLC0415
    from missive_channels.bulk import encode_request  # noqa: PLC0415
    from missive_channels.webhooks import (  # noqa: PLC0415
        WebhookVerifier,
        compute_signature,
        verify_signature,
    )

    key = SECRET.encode()
    signature = compute_signature(BODY, SECRET)
    headers = {"X-Hook-Signature": signature}
    verifier = WebhookVerifier(SECRET)
    message = full_text_message()
    fields = to_request_body(message)

    def signature_floor() -> bool:
        expected = "sha256=" + hmac.new(key, BODY, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)

    def floor() -> object:
        signature_floor()
        return json.loads(BODY)

    def pydantic() -> object:
        signature_floor()
        return PydanticEvent.model_validate_json(BODY)

    # The client cases of target 4, as run.py sends them; only where a server listens.
    base_url = os.environ.get(SERVER_ENV)
    clients: dict[str, Callable[[], object]] = {}
    if base_url:
        plain = attrs.evolve(message, attachments=())
        body = encode_request(plain)
        client = MissiveClient(token=TOKEN, base_url=base_url, rate_limit=None)
        raw = httpx.Client(headers=client._core.headers)  # noqa: SLF001
        json_type = {"Content-Type": "application/json"}
        url = base_url + "/messages"
        clients = {
            "create": lambda: client.messages.create(plain),
            "post": lambda: raw.post(url, json=hand_built_body(plain)),
            "post_bytes": lambda: raw.post(url, content=body, headers=json_type),
        }
    return {
        **clients,
        "floor": floor,
        "unwrap": lambda: verifier.unwrap(BODY, headers),
        "pydantic": pydantic,
        "signature_floor": signature_floor,
        "verify_signature": lambda: verify_signature(BODY, signature, SECRET),
        "encode": lambda: encode_request(message),
        "dumps": lambda: json.dumps(fields).encode(),
    }


def _run_case(name: str, calls: int) -> None:
    function = cases()[name]
    for _ in range(100):  # warm up: generated code, caches
        function()
    for _ in range(calls):
        function()


def _instructions(name: str, calls: int) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        str(Path(__file__)),
        "--case",
        name,
        "--calls",
        str(calls),
    ]
    err = subprocess.run(command, check=True, capture_output=True, text=True).stderr
    found = re.search(r"Collected : (\d+)", err)
    assert found, err
    return int(found.group(1))


def main() -> None:
    """Print instructions per call, and the ratio, for each pair."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    if args.case:
        _run_case(args.case, args.calls)
        return
    from run import loopback_server  # noqa: PLC0415 - after sys.path holds bench/

    per_call: dict[str, float] = {}
    with loopback_server() as base_url:
        os.environ[SERVER_ENV] = base_url
        for name in {case for _, *pair in PAIRS for case in pair}:
            # A request is some 2 million instructions: fewer of them give as steady a count.
            calls = args.calls // 8 if name in {"create", "post", "post_bytes"} else args.calls
            per_call[name] = (_instructions(name, calls) - _instructions(name, 0)) / calls
    print("| Row | Instructions per call | Ratio |")
    print("|---|---|---:|")
    for label, candidate, baseline in PAIRS:
        ratio = per_call[candidate] / per_call[baseline]
        counts = f"{per_call[candidate]:,.0f} vs {per_call[baseline]:,.0f}"
        print(f"| {label} | {counts} | {ratio:.2f}x |")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()

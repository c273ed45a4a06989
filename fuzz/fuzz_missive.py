"""Coverage-guided fuzzing of what the network hands the SDK, with atheris (libFuzzer).

Usage (see fuzz/README.md)::

    python fuzz/fuzz_missive.py TARGET [libFuzzer options] [CORPUS_DIR ...]

TARGET is ``responses`` (the client's reading of any HTTP answer), ``webhook``
(`parse_webhook` on any body) or ``signature`` (verifying any headers). The
checks are the Hypothesis suite's (tests/fuzz_targets.py): an input fails only if
something other than a result or one of our own errors comes out.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

with atheris.instrument_imports(include=["missive_channels", "fuzz_targets"]):
    import fuzz_targets

if TYPE_CHECKING:
    from collections.abc import Callable

_HEADER_NAMES = [
    b"Retry-After",
    b"X-RateLimit-Limit",
    b"X-RateLimit-Remaining",
    b"X-RateLimit-Reset",
    b"Content-Type",
]
_SIGNATURE_NAMES = ["X-Hook-Signature", "X-Missive-Signature", "x-hook-signature", "Other"]


def responses(data: bytes) -> None:
    """Split the input into an operation, a status, a few headers and a body; run them."""
    provider = atheris.FuzzedDataProvider(data)
    operation = provider.PickValueInList(sorted(fuzz_targets.OPERATIONS))
    status = provider.ConsumeIntInRange(100, 599)
    headers = []
    for _ in range(provider.ConsumeIntInRange(0, 3)):
        name = provider.PickValueInList(_HEADER_NAMES)
        headers.append((name, provider.ConsumeBytes(provider.ConsumeIntInRange(0, 40))))
    body = provider.ConsumeBytes(atheris.ALL_REMAINING)
    fuzz_targets.interpret(status, headers, body, only=operation)


def webhook(data: bytes) -> None:
    """Parse the input as a webhook body."""
    fuzz_targets.webhook(data)


def signature(data: bytes) -> None:
    """Build headers of a fuzzed shape around a fuzzed signature value; verify them."""
    provider = atheris.FuzzedDataProvider(data)
    shape = provider.ConsumeIntInRange(0, 2)
    name = provider.PickValueInList(_SIGNATURE_NAMES)
    value = provider.ConsumeUnicode(provider.ConsumeIntInRange(0, 80))
    body = provider.ConsumeBytes(atheris.ALL_REMAINING)
    headers: Any = (
        {name: value},
        [(name, value)],
        [(name.encode("latin-1"), value.encode("utf-8", "surrogatepass"))],
    )[shape]
    fuzz_targets.signature(body, headers)
    fuzz_targets.signature_value(body, value)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "responses": responses,
    "webhook": webhook,
    "signature": signature,
    "jsonl": fuzz_targets.jsonl_line,
    "attachment": fuzz_targets.attachment_file,
}


def main() -> None:
    """Run the target named by the first argument; the rest go to libFuzzer."""
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:  # noqa: PLR2004 - program name + target
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(TARGETS)}}} [libFuzzer options]")
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

"""Names and titles come from files and documents: printed, they must not forge a line.

`shown` escapes control characters (a newline, a carriage return, terminal escape codes, and
the Unicode controls that reorder text) so a file named "x\\nadded 99, failed 0" prints as
one line, visibly.
"""

from __future__ import annotations

import re

__all__ = ["shown"]

_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(value: object) -> str:
    """`value` as text with every control character escaped (\\x0a, \\x1b, \\u202e...)."""
    return _CONTROL.sub(_escape, str(value))

"""Text meant for a terminal: control characters shown, never sent.

Plan text, spreadsheet cells and file names may hold control characters: an escape sequence
sets the window title (OSC), moves the cursor or clears the screen (CSI, also as the single
C1 byte 0x9b), a carriage return overwrites what a line said, a bidirectional override
reorders it. Wherever isek prints such text for people, it prints ``\\x1b``-style escapes
instead, as its JSON output does by the rules of JSON.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls but tab and newline (ESC, CR, BEL …), DEL, C1 controls, and the marks that reorder text.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")  # JSON escapes C0 itself


def _escaped(m: re.Match) -> str:
    o = ord(m.group())
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}"


def term(text: Any) -> str:
    """``text`` with every control character written as an escape (tab and newline stay)."""
    return _CONTROL.sub(_escaped, str(text))


def json_text(text: str) -> str:
    """JSON text with the control characters JSON leaves raw (DEL, C1, bidi marks) as ``\\uXXXX``."""
    return _CONTROL_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

"""Scalar value syntax of Dippin fields: integers, floats, durations, booleans, lists, maps.

The accepted syntax follows the Go reference (``strconv.Atoi``, ``ParseFloat``,
``time.ParseDuration``) so files keep their meaning when moving between the two tools.
Durations are integer nanoseconds throughout the IR.
"""

from __future__ import annotations

import math
import re

NANOSECOND = 1
MICROSECOND = 1000
MILLISECOND = 1000 * MICROSECOND
SECOND = 1000 * MILLISECOND
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE

_INT_RE = re.compile(r"[+-]?[0-9]+\Z")
_INT64_MAX = 2**63 - 1
_INT64_MIN = -(2**63)

_UNITS = {
    "ns": NANOSECOND,
    "us": MICROSECOND,
    "µs": MICROSECOND,  # U+00B5 micro sign
    "μs": MICROSECOND,  # U+03BC greek mu
    "ms": MILLISECOND,
    "s": SECOND,
    "m": MINUTE,
    "h": HOUR,
}
_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")

TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off"})


class ValueError_(ValueError):
    """A field value that does not have the syntax its field requires."""


def parse_int(text: str) -> int:
    """Parse like Go's ``strconv.Atoi``: optional sign, decimal digits, 64-bit range."""
    if not _INT_RE.match(text):
        raise ValueError_(text)
    value = int(text)
    if value > _INT64_MAX or value < _INT64_MIN:
        raise ValueError_(text)
    return value


_FLOAT_RE = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)\Z", re.IGNORECASE
)


def parse_float(text: str) -> float:
    """Parse like Go's ``strconv.ParseFloat(s, 64)`` (decimal, exponent, inf, nan, hex)."""
    if _FLOAT_RE.match(text):
        return float(text)
    lowered = text.lower()
    body = lowered.lstrip("+-")
    if body.startswith("0x"):
        try:
            value = float.fromhex(lowered)
        except ValueError as exc:
            raise ValueError_(text) from exc
        return value
    raise ValueError_(text)


def parse_duration(text: str) -> int:
    """Parse a Go duration (``90s``, ``1h30m``, ``1.5h``, ``0``) into nanoseconds."""
    s = text
    if s in ("0", "+0", "-0"):
        return 0
    if not s:
        raise ValueError_(text)
    negative = False
    if s[0] in "+-":
        negative = s[0] == "-"
        s = s[1:]
    if not s:
        raise ValueError_(text)
    total = 0.0
    pos = 0
    while pos < len(s):
        m = _DURATION_PART.match(s, pos)
        if not m or m.group(1) in ("", "."):
            raise ValueError_(text)
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if total > _INT64_MAX:
        raise ValueError_(text)
    result = round(total)
    return -result if negative else result


def parse_strict_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError_(text)


def format_duration(ns: int) -> str:
    """Render nanoseconds canonically: ``1h30m``, ``45s``, ``500ms``, ``250µs``."""
    if ns >= SECOND:
        hours, rest = divmod(ns, HOUR)
        minutes, rest = divmod(rest, MINUTE)
        seconds, frac = divmod(rest, SECOND)
        out = ""
        if hours:
            out += f"{hours}h"
        if minutes:
            out += f"{minutes}m"
        if seconds or frac:
            out += _fraction(seconds, frac, SECOND) + "s"
        return out
    if ns == 0:
        return "0s"
    if ns < 0:
        return "-" + format_duration(-ns)
    if ns < MICROSECOND:
        return f"{ns}ns"
    if ns < MILLISECOND:
        whole, frac = divmod(ns, MICROSECOND)
        return _fraction(whole, frac, MICROSECOND) + "µs"
    whole, frac = divmod(ns, MILLISECOND)
    return _fraction(whole, frac, MILLISECOND) + "ms"


def _fraction(whole: int, frac: int, unit: int) -> str:
    if not frac:
        return str(whole)
    digits = len(str(unit)) - 1
    return f"{whole}.{frac:0{digits}d}".rstrip("0")


def format_float(value: float) -> str:
    """Shortest round-tripping decimal, never in exponent form, always with a dot."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(value, "f")
        # ``format(..., "f")`` may print too few digits for tiny values; widen until exact.
        digits = 6
        while float(text) != value and digits < 400:
            digits += 6
            text = format(value, f".{digits}f").rstrip("0")
    if "." not in text:
        text += ".0"
    return text


def split_list(text: str) -> list[str]:
    """Split a list value: comma separated inline, or one item per line in block form.

    Block form accepts YAML-style ``- item`` lines as well as plain lines; empty elements
    are dropped.
    """
    return [item for item, _, _ in split_list_spans(text)]


def split_list_spans(text: str) -> list[tuple[str, int, int]]:
    """Like :func:`split_list`, with each item's start and end offset in ``text``."""
    items: list[tuple[str, int, int]] = []
    offset = 0
    for line in text.split("\n"):
        body_start = len(line) - len(line.lstrip())
        stripped = line.strip()
        if stripped.startswith("- "):
            body_start += 2
        elif stripped == "-":
            offset += len(line) + 1
            continue
        pos = body_start
        for part in line[body_start:].split(","):
            item = part.strip()
            if item:
                start = offset + pos + (len(part) - len(part.lstrip()))
                items.append((item, start, start + len(item)))
            pos += len(part) + 1
        offset += len(line) + 1
    return items


def unquote(value: str) -> str:
    """Remove one pair of surrounding double quotes, decoding ``\\"`` and ``\\\\``."""
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return unescape(value[1:-1])
    return value


def unescape(body: str) -> str:
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body) and body[i + 1] in '"\\':
            out.append(body[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


_BARE_RE = re.compile(r"[A-Za-z0-9_\-./:]+\Z")


def quote(value: str) -> str:
    """Render a string value: bare when it is a simple word, otherwise quoted and escaped."""
    if value and _BARE_RE.match(value):
        return value
    return '"' + escape(value) + '"'


def escape(value: str) -> str:
    """Minimal escaping that :func:`unescape` inverts: backslashes stay single unless they
    precede a quote, a backslash or the closing quote (so regexes like ``\\d`` stay readable)."""
    out: list[str] = []
    n = len(value)
    for i, ch in enumerate(value):
        if ch == '"':
            out.append('\\"')
        elif ch == "\\" and (i + 1 == n or value[i + 1] in '"\\'):
            out.append("\\\\")
        else:
            out.append(ch)
    return "".join(out)

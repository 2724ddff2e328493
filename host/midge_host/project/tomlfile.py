"""Write midge.toml: a small TOML serializer with a comment above each documented key.

Contract: ``dumps(data, docs, header="") -> str`` renders nested dicts of
str, int, float, bool and lists of those as TOML that ``tomllib`` reads back
to equal data. Scalars of a table come before its sub-tables. ``docs`` maps a
dotted key (or a table name) to a one-line comment written above it.
"""

import json
import math


def _scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON string escapes are TOML's
    raise TypeError(f"cannot write {value!r} to TOML")


def _value(value):
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    return _scalar(value)


def _comment(lines, docs, key):
    if key in docs:
        lines.append(f"# {docs[key]}")


def _table(lines, data, prefix, docs):
    for key, value in data.items():
        if not isinstance(value, dict):
            _comment(lines, docs, prefix + key)
            lines.append(f"{key} = {_value(value)}")
    for key, value in data.items():
        if isinstance(value, dict):
            name = prefix + key
            lines.append("")
            _comment(lines, docs, name)
            lines.append(f"[{name}]")
            _table(lines, value, name + ".", docs)


def dumps(data, docs, header=""):
    """TOML text for ``data`` with ``docs`` comments and an optional ``header`` comment block."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    if lines:
        lines.append("")
    _table(lines, data, "", docs)
    return "\n".join(lines) + "\n"

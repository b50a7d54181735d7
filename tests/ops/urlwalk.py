"""Enumerate the project's URL patterns as concrete URLs (shared by the CSRF and
permission-matrix tests, so both grow as apps add routes)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver

_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
_ROUTE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def patterns(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    """(route text with parameters as {name}, pattern) for every leaf pattern."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        text = _normalise(str(entry.pattern))
        if isinstance(entry, URLResolver):
            yield from patterns(entry, prefix + text)
        elif isinstance(entry, URLPattern):
            yield prefix + text, entry


def _normalise(text: str) -> str:
    text = text.lstrip("^").rstrip("$")
    text = _REGEX_GROUP.sub(lambda m: "{" + m.group(1) + "}", text)
    text = _ROUTE_PARAM.sub(lambda m: "{" + m.group(2) + "}", text)
    return text


def is_concrete(route: str) -> bool:
    """False for regex leftovers we cannot fill (optional groups, character classes)."""
    return not any(ch in route for ch in "()[]\\?*+|")


def fill(route: str, values: dict[str, str] | None = None, default: str = "1") -> str:
    values = values or {}
    return "/" + re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), default), route)


def params(route: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", route)

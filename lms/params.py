"""Parameters from query strings, forms and URL paths, parsed once for the site and the API.

Every number is ASCII digits only (`str.isdigit()` accepts "²", which `int()` then refuses,
and `int()` accepts "٣"), with a bounded length and range, so nothing a client types reaches
the database as a value it cannot hold. A bad value raises `BadParameter`: a Django
ValidationError keyed by the parameter name, with a Chinese message. The API's exception
handler (`lms/api_errors.py`) and the site's `BadParameterMiddleware` both answer it with
HTTP 400, so a page and its API endpoint refuse the same input the same way.

`IdConverter` is the path converter for object ids (`<id:pk>`): an id that cannot exist is a
404 before any view runs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import register_converter
from django.utils import timezone
from django.utils.html import escape
from rest_framework import serializers
from rest_framework.routers import SimpleRouter

ID_MAX = 2**63 - 1  # BigAutoField; also SQLite's INTEGER
INT_MAX = 2**31 - 1  # IntegerField on PostgreSQL
YEAR_MIN = 2000
_DIGITS = re.compile(r"[0-9]{1,19}")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class BadParameter(ValidationError):
    """A query, form or path parameter the request cannot be answered with (HTTP 400)."""

    def __init__(self, name: str, message: str):
        super().__init__({name: [message]})
        self.name = name
        self.text = message


def _blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def integer(raw, *, name: str, label: str = "", minimum: int = 0, maximum: int = INT_MAX, default=None):
    """An integer within [minimum, maximum]; blank gives `default`."""
    if _blank(raw):
        return default
    text = str(raw).strip()
    label = label or name
    if not _DIGITS.fullmatch(text):
        raise BadParameter(name, f"{label}必须是整数（只能包含数字0-9）。")
    value = int(text)
    if not minimum <= value <= maximum:
        raise BadParameter(name, f"{label}必须在{minimum}至{maximum}之间。")
    return value


def object_id(raw, *, name: str, label: str = "", default=None):
    """A database id (positive, at most 2^63-1)."""
    return integer(raw, name=name, label=label or f"{name} 编号", minimum=1, maximum=ID_MAX, default=default)


def id_list(raw, *, name: str, label: str = "", limit: int = 1000) -> list[int]:
    """Ids from a comma-separated string or a list of strings (e.g. `QueryDict.getlist`)."""
    items = raw if isinstance(raw, list | tuple) else ([] if _blank(raw) else str(raw).split(","))
    items = [item for item in items if not _blank(item)]
    if len(items) > limit:
        raise BadParameter(name, f"{label or name}最多{limit}个。")
    return [object_id(item, name=name, label=label) for item in items]


def year_bounds() -> tuple[int, int]:
    """Years any page or endpoint accepts: from 2000 to next year (plans are written ahead)."""
    return YEAR_MIN, timezone.localdate().year + 1


def year(raw, *, name: str = "year", default: int | None | type[...] = ...) -> int | None:
    """A year in `year_bounds()`; blank gives `default` (this year unless given)."""
    earliest, latest = year_bounds()
    if default is ...:
        default = timezone.localdate().year
    if _blank(raw):
        return default
    text = str(raw).strip()
    if not _DIGITS.fullmatch(text) or not earliest <= int(text) <= latest:
        raise BadParameter(name, f"年度必须是{earliest}至{latest}之间的整数。")
    return int(text)


def choice(raw, *, name: str, choices: Iterable[str] | Mapping[str, str], label: str = "", default=None):
    """One of `choices` (values; a mapping's keys are the values and its values the labels)."""
    if _blank(raw):
        return default
    values = list(choices)
    if raw in values:
        return raw
    shown = "、".join(values[:12]) + ("等" if len(values) > 12 else "")
    raise BadParameter(name, f"{label or name}只能是 {shown}。")


def flag(raw, *, name: str, default: bool = False) -> bool:
    """A yes/no switch: 1/true/yes/on or 0/false/no/off."""
    if _blank(raw):
        return default
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadParameter(name, f"{name}只能是 1/true 或 0/false。")


def id_field(**kwargs) -> serializers.IntegerField:
    """A serializer field for an object id in a request body, bounded like `object_id`."""
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **kwargs)


class IdConverter:
    """`<id:pk>`: ASCII digits, at most 19, so `int()` never sees a value the database refuses."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= ID_MAX:
            raise ValueError("id out of range")  # the resolver then tries other patterns → 404
        return number

    def to_url(self, value) -> str:
        return str(int(value))


class YearConverter:
    """`<year:year>`: four ASCII digits."""

    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return f"{int(value):04d}"


register_converter(IdConverter, "id")
register_converter(YearConverter, "year")


class Router(SimpleRouter):
    """The API's router: detail routes match ids of at most 19 ASCII digits unless the viewset
    sets its own `lookup_value_regex`, so a longer id is the API's JSON 404 before any view runs
    (and Django's integer lookups answer "no such row" for 19-digit ids past the largest)."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or getattr(viewset, "lookup_field", "pk")
        value = getattr(viewset, "lookup_value_regex", None) or IdConverter.regex
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{value})"


def bad_parameter_response(request, exc: BadParameter) -> HttpResponse:
    """The site's 400 page (`400.html` gets `message`), or a bare page until one exists."""
    try:
        html = render_to_string("400.html", {"message": exc.text, "parameter": exc.name}, request=request)
    except TemplateDoesNotExist:
        html = (
            '<!doctype html><html lang="zh-hans"><meta charset="utf-8"><title>请求有误</title>'
            f"<h1>请求有误</h1><p>{escape(exc.text)}</p></html>"
        )
    return HttpResponse(html, status=400)


class BadParameterMiddleware:
    """Pages that parse with lms.params answer a bad value with 400 and its Chinese message
    (DRF views never get here: their exception handler answers first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, BadParameter):
            return bad_parameter_response(request, exception)
        return None

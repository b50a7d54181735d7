"""How the API answers errors, written once for every view (settings: REST_FRAMEWORK
EXCEPTION_HANDLER and DEFAULT_PARSER_CLASSES).

Services raise Django's `ValidationError` and `PermissionDenied` with Chinese messages; views
let them through and this handler answers 400 / 403 with those messages, in DRF's shapes
(`{"field": ["…"]}` or `{"detail": "…"}`). A bad query parameter (`lms.params.BadParameter`)
is such a ValidationError. A 404 never leaks a model name. A request body nested deeper than the JSON decoder can follow, or with
more fields than Django accepts, is a JSON 400, not a 500 or an HTML page."""

from __future__ import annotations

import logging
import re

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

TOO_DEEP = "请求数据嵌套层数过多，无法解析。"
DENIED = "您没有执行该操作的权限。"
NOT_FOUND = "未找到该对象，或不在您的范围内。"
TOO_MUCH = "请求数据过大或字段过多，无法处理。"
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def validation_detail(exc: DjangoValidationError) -> dict | list:
    """Django's ValidationError as DRF detail: per field when the service named fields."""
    if hasattr(exc, "error_dict"):
        return {(api_settings.NON_FIELD_ERRORS_KEY if k == "__all__" else k): v for k, v in exc.message_dict.items()}
    return {"detail": exc.messages}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or DENIED)
    elif isinstance(exc, Http404):
        # get_object_or_404 says "No LessonPage matches the given query.": keep only our own words.
        message = str(exc)
        exc = exceptions.NotFound(message if _CHINESE.search(message) else NOT_FOUND)
    elif isinstance(exc, SuspiciousOperation):
        # Body over DATA_UPLOAD_MAX_* (too many fields/files, too big) while DRF parses it.
        exc = exceptions.ParseError(TOO_MUCH)
    elif isinstance(exc, RecursionError):
        logger.warning("request data too deeply nested: %s", context.get("request") and context["request"].path)
        exc = exceptions.ParseError(TOO_DEEP)
    return drf_exception_handler(exc, context)


class SafeJSONParser(JSONParser):
    """JSONParser whose too-deeply-nested input is a parse error (400) like any malformed JSON."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(TOO_DEEP) from None

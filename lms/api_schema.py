"""drf-spectacular hooks for the published OpenAPI schema (settings: SPECTACULAR_SETTINGS).

`only_public_api` keeps our API (/api/v1/) only: Wagtail's internal admin API (/admin/api/...)
is not ours to document, cannot be introspected without Wagtail's router, and would otherwise be
fuzzed as if it were public. `document_error_responses` adds the error answers that
`lms/api_errors.py` gives to every operation."""

from __future__ import annotations

import re

from lms.params import ID_MAX


def only_public_api(endpoints, **kwargs):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


_METHODS = {"get", "put", "patch", "post", "delete", "head", "options"}
_ERROR = {"$ref": "#/components/schemas/ErrorDetail"}
_ERROR_SCHEMAS = {
    "ErrorDetail": {
        "type": "object",
        "description": "错误说明（中文）。",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationErrorDetail": {
        "type": "object",
        "description": "参数或请求数据有误：按字段（或 detail / non_field_errors）列出中文说明。",
        "additionalProperties": {},
    },
}
_ANSWERS = {
    "400": ("参数或请求数据有误", {"$ref": "#/components/schemas/ValidationErrorDetail"}),
    "401": ("未登录或用户名/密码不正确", _ERROR),
    "403": ("无权执行该操作（或未登录）", _ERROR),
    "404": ("对象不存在或不在您的范围内", _ERROR),
    "429": ("请求过于频繁，请稍后再试", _ERROR),
}


_ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
_YEAR_SCHEMA = {"type": "integer", "minimum": 1000, "maximum": 9999}
_PATTERN_SCHEMAS = {"^[0-9]{1,19}$": _ID_SCHEMA, "^\\d+$": _ID_SCHEMA, "^\\d{4}$": _YEAR_SCHEMA}


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def document_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the errors this module
    answers — 401/403 everywhere (all endpoints need a login), 404 everywhere (an object out of
    scope, a page past the end), 400 where there is input (query, path or body), 429 on
    throttled views."""
    throttled = set()
    for path, _regex, method, callback in getattr(generator, "endpoints", None) or []:
        view = getattr(callback, "cls", None)
        if view is not None and getattr(view, "throttle_scope", None):
            throttled.add((_shape(path), method.lower()))
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in _ERROR_SCHEMAS.items():
        schemas.setdefault(name, schema)
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            codes = ["401", "403", "404"]  # 404: objects out of scope, and pages past the end (?page=)
            parameters = operation.get("parameters", [])
            for parameter in parameters:  # ids and years matched by a route regex are numbers
                pattern = (parameter.get("schema") or {}).get("pattern")
                if parameter.get("in") == "path" and pattern in _PATTERN_SCHEMAS:
                    parameter["schema"] = dict(_PATTERN_SCHEMAS[pattern])
            if parameters or "requestBody" in operation:
                codes.append("400")
            if (_shape(path), method) in throttled:
                codes.append("429")
            responses = operation.setdefault("responses", {})
            for code in codes:
                description, schema = _ANSWERS[code]
                responses.setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": schema}}}
                )
    return result

"""Chinese error pages in the site's style (handler400/403/404/500 in lms/urls.py, and the
CSRF failure page). A message raised with Chinese text (e.g. Http404("未知的层级")) is shown;
framework messages in English are not."""

import logging
import re

from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import get_template

CJK = re.compile(r"[\u4e00-\u9fff]")
logger = logging.getLogger(__name__)

# Shown when the styled page itself cannot render (no static manifest, database down, a
# template error): an error page must never raise an error of its own.
PLAIN = (
    '<!doctype html><html lang="zh-hans"><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    '<title>{title}</title><body style="font:18px/1.6 sans-serif;margin:2em">'
    '<h1>{title}</h1><p>{message}</p><p><a href="/">返回首页</a></p></body></html>'
)


def _plain(status: int, title: str, message: str) -> HttpResponse:
    return HttpResponse(PLAIN.format(title=title, message=message), status=status)


def _detail(exception) -> str:
    args = getattr(exception, "args", None)
    text = str(args[0]) if args else str(exception or "")
    return text if CJK.search(text) else ""


def _page(request, status: int, title: str, message: str, exception=None):
    ctx = {"status": status, "title": title, "message": message, "detail": _detail(exception)}
    try:
        return render(request, "error_page.html", ctx, status=status)
    except Exception:  # noqa: BLE001 — see PLAIN
        logger.exception("error page %s could not render", status)
        return _plain(status, title, message)


def bad_request(request, exception=None):
    return _page(request, 400, "请求有误", "请求的内容不完整或格式不对，请返回上一页检查后重试。", exception)


def permission_denied(request, exception=None):
    return _page(
        request, 403, "无权访问", "您的账号没有查看此页面的权限。如确需访问，请联系所在党校或组织部管理员。", exception
    )


def page_not_found(request, exception=None):
    return _page(request, 404, "页面不存在", "您要找的页面不存在或已被删除，请检查网址，或从首页重新进入。", exception)


def server_error(request):
    # No context processors and no database: the page must render even when the database is down.
    try:
        return HttpResponseServerError(get_template("500.html").render())
    except Exception:  # noqa: BLE001 — see PLAIN
        logger.exception("500 page could not render")
        return _plain(500, "服务器暂时出错", "服务器暂时无法完成您的请求，请稍后再试。")


def csrf_failure(request, reason=""):
    return _page(
        request,
        403,
        "页面已过期",
        "为保护您的账号，表单需要在同一次访问中提交。请刷新页面后重新提交；如仍不行，请重新登录。",
    )

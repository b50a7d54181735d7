"""The installable app shell: web app manifest, service worker (served from the site root so
its scope is the whole site) and the offline fallback page."""

import json

from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from .icons import SIZES, icon_name
from .shell import NEVER_CACHE_PREFIXES, shell_static_urls, shell_version

APP_NAME = "党校在线"
THEME_COLOR = "#c8161d"
OFFLINE_BANNER = "离线浏览，内容可能不是最新"


@require_safe
@cache_control(public=True, max_age=3600)
def manifest(request):
    icons = [
        {
            "src": static(icon_name(size, maskable=maskable)),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "maskable" if maskable else "any",
        }
        for size in SIZES
        for maskable in (False, True)
    ]
    data = {
        "id": "/",
        "name": APP_NAME,
        "short_name": APP_NAME,
        "description": "党员学习、签到、我的进度与网上展厅",
        "lang": "zh-CN",
        "dir": "ltr",
        "start_url": "/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "categories": ["education"],
        "icons": icons,
        "shortcuts": [
            {"name": "我的进度", "url": reverse("quotas:my_progress")},
            {"name": "我的班次", "url": reverse("training:my_classes")},
            {"name": "网上展厅", "url": reverse("schools:exhibition")},
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json; charset=utf-8"
    return response


@require_safe
def service_worker(request):
    """/sw.js: the byte content changes with every static deploy (shell_version)."""
    context = {
        "version": shell_version(),
        "config": json.dumps(
            {
                "version": shell_version(),
                "offline": reverse("pwa:offline"),
                "shell": [reverse("pwa:offline"), *shell_static_urls()],
                "never": list(NEVER_CACHE_PREFIXES),
                "static": static(""),
                "api": "/api/",
                "banner": OFFLINE_BANNER,
            },
            ensure_ascii=False,
        ),
    }
    response = render(request, "pwa/sw.js", context, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def offline(request):
    """What the app shows offline for a page never visited: the pages kept on this phone."""
    return render(request, "pwa/offline.html", {"banner": OFFLINE_BANNER})

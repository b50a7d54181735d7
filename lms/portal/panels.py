"""Home-page panels and navigation contributed by each feature app.

Each module listed here may define ``<role>_panel(request) -> str`` (rendered HTML or "")
for the roles member, school_staff, department_staff, teacher, and ``nav_items(request)
-> list[tuple[label, url]]``. The portal only arranges them; the app owns its content."""

from importlib import import_module

PANEL_MODULES = [
    "lms.quotas.panels",
    "lms.training.panels",
    "lms.live.panels",
    "courses.panels",
    "teachers.panels",
    "search.panels",
    "lms.schools.panels",
    "lms.roster.panels",
    "lms.notifications.panels",
    "lms.records.panels",
    "lms.points.panels",
    "lms.reflections.panels",
]
ROLES = ["member", "teacher", "school_staff", "department_staff"]


def _modules():
    for name in PANEL_MODULES:
        try:
            yield import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def panels_for(request, role: str) -> list[str]:
    out = []
    for module in _modules():
        fn = getattr(module, f"{role}_panel", None)
        if fn is not None:
            html = fn(request)
            if html:
                out.append(html)
    return out


def nav_items(request) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for module in _modules():
        fn = getattr(module, "nav_items", None)
        if fn is not None:
            items += fn(request)
    return items

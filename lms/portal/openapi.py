"""drf-spectacular preprocessing hook: the published schema documents our API (/api/v1/)
only. Wagtail's internal admin API (/admin/api/...) is not ours to document, cannot be
introspected without Wagtail's router, and would otherwise be fuzzed as if it were public."""


def only_public_api(endpoints, **kwargs):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]

"""The 适老化 (elder-friendly) display mode: one switch, remembered per account on the server
and per device in a cookie (so the login page already shows it before anyone logs in).

Pages read the mode from the session (authenticated) or the cookie (anonymous) — never from
the database on every request; the database row is read once, at login."""

from django.db import transaction

from .models import DisplayPreference

COOKIE = "elder_mode"
SESSION_KEY = "elder_mode"
COOKIE_MAX_AGE = 365 * 24 * 3600


def elder_mode_for(request) -> bool:
    """Whether this request's pages are drawn in 适老化 mode."""
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and session is not None and SESSION_KEY in session:
        return bool(session[SESSION_KEY])
    return request.COOKIES.get(COOKIE) == "1"


@transaction.atomic
def elder_mode_set(*, user, enabled: bool) -> DisplayPreference:
    """Store the account's choice (idempotent: the same tap twice leaves one row)."""
    preference, _ = DisplayPreference.objects.select_for_update().get_or_create(user=user)
    if preference.elder_mode != enabled:
        preference.elder_mode = enabled
        preference.full_clean()
        preference.save(update_fields=["elder_mode", "updated_at"])
    return preference


def elder_mode_on_login(sender, request, user, **kwargs) -> None:
    """At login the account's stored choice wins; an account that never chose adopts what this
    device shows (the switch on the login page), so the choice made there is kept for them."""
    if request is None or getattr(request, "session", None) is None:
        return
    stored = DisplayPreference.objects.filter(user=user).values_list("elder_mode", flat=True).first()
    if stored is None:
        stored = request.COOKIES.get(COOKIE) == "1"
        if stored:
            elder_mode_set(user=user, enabled=True)
    request.session[SESSION_KEY] = bool(stored)

"""Rotating sign-in tokens and short codes for a session's QR code.

The QR on the projector encodes ``/training/s/<token>/``. The token is
``TimestampSigner(salt=...)`` over the session id, with the timestamp rounded down to the
current rotation slot (``TRAINING_SIGNIN_ROTATE_SECONDS``, default 30 s) so the QR stays the
same within a slot and changes after it; a token is accepted for ``TRAINING_SIGNIN_TOKEN_MAX_AGE``
seconds (default 90 s) — long enough for a phone to open it, too short to share it usefully.
For large halls the page also shows a six-digit code derived from (session, slot) with an
HMAC; codes of the last ``max_age`` seconds are accepted.

Whether a member may sign in at all is decided by `signin_refusal` (window, enrolment) in
services; this module only says whether the token or code is genuine and fresh.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_str

SALT = "lms.training.signin"

EXPIRED = "签到二维码已过期，请重新扫描大屏上的最新二维码。"
FORGED = "签到二维码无效（可能被篡改或不完整），请重新扫描。"
WRONG_SESSION = "该签到码不属于本课次。"
BAD_CODE = "签到码不正确或已过期，请核对大屏上的最新签到码。"


def rotate_seconds() -> int:
    return int(getattr(settings, "TRAINING_SIGNIN_ROTATE_SECONDS", 30))


def max_age() -> int:
    return int(getattr(settings, "TRAINING_SIGNIN_TOKEN_MAX_AGE", 90))


def current_slot(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // rotate_seconds())


class _SlotSigner(signing.TimestampSigner):
    """TimestampSigner whose timestamp is the start of the rotation slot."""

    def __init__(self, *args, slot_start: int, **kwargs):
        self._slot_start = slot_start
        super().__init__(*args, **kwargs)

    def timestamp(self):
        return signing.b62_encode(self._slot_start)


def token_for(session_id: int, now: float | None = None, *, salt: str = SALT) -> str:
    slot = current_slot(now)
    return _SlotSigner(salt=salt, slot_start=slot * rotate_seconds()).sign(str(session_id))


def slot_expires_at(now: float | None = None) -> float:
    return (current_slot(now) + 1) * rotate_seconds()


@dataclass(frozen=True)
class TokenResult:
    session_id: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def token_check(token: str, expected_session_id: int | None = None, *, salt: str = SALT) -> TokenResult:
    """Verify signature and age; return the session id or a Chinese reason. Another ``salt``
    keeps other rotating QR codes (a live class's 收看点, lms.live) apart from sessions'."""
    try:
        value = signing.TimestampSigner(salt=salt).unsign(force_str(token), max_age=max_age())
    except signing.SignatureExpired:
        return TokenResult(None, EXPIRED)
    except (signing.BadSignature, ValueError, TypeError):
        return TokenResult(None, FORGED)
    if not value.isdigit():
        return TokenResult(None, FORGED)
    session_id = int(value)
    if expected_session_id is not None and session_id != expected_session_id:
        return TokenResult(None, WRONG_SESSION)
    return TokenResult(session_id)


def code_for(session_id: int, slot: int | None = None) -> str:
    slot = current_slot() if slot is None else slot
    digest = salted_hmac(SALT + ".code", f"{session_id}:{slot}").hexdigest()
    return f"{int(digest[:12], 16) % 1_000_000:06d}"


def code_matches(session_id: int, code: str, now: float | None = None) -> bool:
    code = (code or "").strip()
    if len(code) != 6 or not code.isdigit():
        return False
    slot = current_slot(now)
    slots = max(1, max_age() // rotate_seconds())
    return any(constant_time_compare(code_for(session_id, slot - k), code) for k in range(slots))

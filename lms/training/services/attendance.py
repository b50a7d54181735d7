"""Sign-in (签到): a member's scan or typed code marks them present for the class day.

One sign-in per class day: a scan (QR or code) of any session of the day marks the member
present at every session of that class day whose sign-in window is open now, and the later
sessions of the day are marked "当日签到" when they start (`roll_call.attendance_day_carry`,
run by Celery beat and by the roll-call page). Nothing is recorded for a session before its
window opens. Whether the token or code is genuine and fresh is `lms.training.signin`'s
question; whether the member may sign in is `signin_refusal`'s."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Subquery
from django.utils import timezone

from lms.accounts import policy
from lms.members.models import Member

from .. import conf, signin
from ..credit import credited_days_recompute, session_day
from ..models import Attendance, ClassSession, Enrollment, TrainingClass

NOT_MEMBER = "只有党员账号可以签到。"
NOT_ENROLLED = "您未报名该班次，无法签到。如有疑问请联系主办党校。"
NOT_PUBLISHED = "该班次尚未发布或已取消，无法签到。"
TOO_EARLY = "签到尚未开始：本课次 {start} 开始，开课前 {before} 分钟开放签到。"
TOO_LATE = "签到已结束：本课次于 {end} 结束，签到截止于结束后 {after} 分钟。"
NO_SESSION = "签到码不正确或已过期，或您当前没有正在进行的课次。"
SCANNED = (Attendance.Source.QR, Attendance.Source.CODE)


class SignInRefused(Exception):
    """Raised with a Chinese reason when a sign-in is not accepted."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def signin_window(session: ClassSession) -> tuple[dt.datetime, dt.datetime]:
    return (
        session.starts_at - dt.timedelta(minutes=conf.signin_open_before_minutes()),
        session.ends_at + dt.timedelta(minutes=conf.signin_close_after_minutes()),
    )


def signin_open(session: ClassSession, now: dt.datetime) -> bool:
    opens, closes = signin_window(session)
    return opens <= now <= closes


def signin_refusal(session: ClassSession, member_id: int, now: dt.datetime | None = None) -> str:
    """Why ``member_id`` may not sign in to ``session`` now ('' when they may)."""
    now = now or timezone.now()
    if session.training_class.status != TrainingClass.Status.PUBLISHED:
        return NOT_PUBLISHED
    opens, closes = signin_window(session)
    if now < opens:
        return TOO_EARLY.format(
            start=f"{timezone.localtime(session.starts_at):%m月%d日 %H:%M}",
            before=int((session.starts_at - opens).total_seconds() // 60),
        )
    if now > closes:
        return TOO_LATE.format(
            end=f"{timezone.localtime(session.ends_at):%m月%d日 %H:%M}",
            after=int((closes - session.ends_at).total_seconds() // 60),
        )
    if not Enrollment.objects.filter(training_class_id=session.training_class_id, member_id=member_id).exists():
        return NOT_ENROLLED
    return ""


def _member_id(user) -> int:
    member_id = policy.member_id_for(user)
    if not member_id:
        raise SignInRefused(NOT_MEMBER)
    return member_id


def day_sessions(session: ClassSession) -> list[ClassSession]:
    """The sessions of ``session``'s class on the same local day, in time order."""
    day = session_day(session)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return [
        s
        for s in ClassSession.objects.filter(
            training_class_id=session.training_class_id,
            starts_at__gte=start,
            starts_at__lt=start + dt.timedelta(days=1),
        ).order_by("starts_at", "id")
    ]


@dataclass
class SignIn:
    """Result of a member's sign-in. Unpacks and indexes as ``(attendance, created)`` for
    older callers."""

    attendance: Attendance  # the row of the scanned session
    created: bool  # the scan newly marked the member present somewhere
    sessions: list[ClassSession] = field(default_factory=list)  # the class day, in time order
    present_ids: set[int] = field(default_factory=set)  # sessions of the day now marked present

    def __iter__(self) -> Iterator:
        return iter((self.attendance, self.created))

    def __getitem__(self, index: int):
        return (self.attendance, self.created)[index]

    @property
    def later(self) -> list[ClassSession]:
        """Sessions of the day not yet started: marked present when they start."""
        return [s for s in self.sessions if s.pk not in self.present_ids and s.starts_at > self.attendance.signed_at]


_INSERT_PRESENT = (
    "INSERT INTO {table} (session_id, member_id, present, source, signed_at, recorded_by_id) "
    "VALUES {values} ON CONFLICT (session_id, member_id) DO NOTHING RETURNING session_id, id"
)


def _insert_present(session_ids: list[int], member_id: int, source: str, now: dt.datetime, recorded_by_id) -> dict:
    """One INSERT … ON CONFLICT DO NOTHING against the unique (session, member) constraint:
    repeated or concurrent scans leave exactly one row per session. Returns {session id: new
    row id} for the sessions that got a new row."""
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(session_ids))
    params: list = []
    for sid in session_ids:
        params += [sid, member_id, True, source, now, recorded_by_id]
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_PRESENT.format(table=connection.ops.quote_name(Attendance._meta.db_table), values=values), params
        )
        return {row[0]: row[1] for row in cursor.fetchall()}


@transaction.atomic
def attendance_mark_present(
    *,
    session: ClassSession,
    member_id: int,
    source: str,
    recorded_by=None,
    also: list[ClassSession] | None = None,
    now: dt.datetime | None = None,
) -> tuple[Attendance, bool]:
    """Idempotent presence at ``session`` (and the sessions in ``also``). Only the first of
    repeated or concurrent calls reports ``created``. A row an earlier roll call marked absent
    is turned present. Credit is recomputed at once only when the day is already over (else
    `credited_days_settle` credits it after the last session ends)."""
    now = now or timezone.now()
    recorded_by_id = getattr(recorded_by, "pk", None)
    targets = [session.pk] + [s.pk for s in also or [] if s.pk != session.pk]
    inserted = _insert_present(targets, member_id, source, now, recorded_by_id)
    created = bool(inserted)
    if session.pk in inserted:
        attendance = Attendance(
            id=inserted[session.pk],
            session=session,
            member_id=member_id,
            present=True,
            source=source,
            signed_at=now,
            recorded_by_id=recorded_by_id,
        )
    else:
        attendance = Attendance.objects.select_for_update().get(session=session, member_id=member_id)
    absent = [t for t in targets if t not in inserted]
    if absent:
        turned = Attendance.objects.filter(session_id__in=absent, member_id=member_id, present=False).update(
            present=True, source=source, recorded_by_id=recorded_by_id
        )
        if turned:
            created = True
            attendance.refresh_from_db()
    if created and session.ends_at <= now:
        credited_days_recompute(session.training_class, [member_id], now=now)
    return attendance, created


_SIGN_IN_FAST = (
    "INSERT INTO {attendance} (session_id, member_id, present, source, signed_at, recorded_by_id) "
    "SELECT s2.id, m.id, %s, %s, %s, NULL "
    "FROM {session} s1 "
    "JOIN {klass} c ON c.id = s1.training_class_id "
    "JOIN {session} s2 ON s2.training_class_id = s1.training_class_id "
    "JOIN {enrollment} e ON e.training_class_id = s1.training_class_id "
    "JOIN {member} m ON m.id = e.member_id "
    "WHERE s1.id = %s AND c.status = %s AND m.user_id = %s "
    "AND s1.starts_at <= %s AND s1.ends_at >= %s AND s2.starts_at <= %s AND s2.ends_at >= %s "
    "ON CONFLICT (session_id, member_id) DO NOTHING RETURNING session_id, id, member_id"
)


def _sign_in_fast(user_id: int, session_id: int, source: str, now: dt.datetime) -> dict:
    """The sign-in's common case as one statement: if the scanned session's class is published,
    its sign-in window is open now and the user's member is enrolled, mark them present at it
    and at every other session of the class whose window is open now. Every rule is checked
    by the statement itself, on current rows. Returns {session id: (row id, member id)} for
    the rows it inserted (nothing when a rule fails or the member was already marked)."""
    q = connection.ops.quote_name
    sql = _SIGN_IN_FAST.format(
        attendance=q(Attendance._meta.db_table),
        session=q(ClassSession._meta.db_table),
        klass=q(TrainingClass._meta.db_table),
        enrollment=q(Enrollment._meta.db_table),
        member=q(Member._meta.db_table),
    )
    opens_by = now + dt.timedelta(minutes=conf.signin_open_before_minutes())
    closes_after = now - dt.timedelta(minutes=conf.signin_close_after_minutes())
    params = [True, source, now, session_id, TrainingClass.Status.PUBLISHED, user_id]
    params += [opens_by, closes_after, opens_by, closes_after]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {sid: (row_id, member_id) for sid, row_id, member_id in cursor.fetchall()}


_DAY_CACHE: dict[int, tuple[float, list[ClassSession]]] = {}
DAY_CACHE_SECONDS = 60


def _day_sessions_for_display(session_id: int) -> list[ClassSession]:
    """The class day of ``session_id`` for the result page, memoised per process for a minute:
    500 phones in one hall ask for the same list. Only for display: every rule was checked
    by the sign-in statement on current rows."""
    hit = _DAY_CACHE.get(session_id)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    sessions = _class_day_sessions(session_id)
    if len(_DAY_CACHE) > 1000:
        _DAY_CACHE.clear()
    _DAY_CACHE[session_id] = (time.monotonic() + DAY_CACHE_SECONDS, sessions)
    return sessions


def _class_day_sessions(session_id: int) -> list[ClassSession]:
    """The sessions of ``session_id``'s class on the same local day, with the class (one
    query); empty when the session does not exist."""
    class_id = ClassSession.objects.filter(pk=session_id).values("training_class_id")
    sessions = list(
        ClassSession.objects.select_related("training_class")
        .filter(training_class_id=Subquery(class_id))
        .order_by("starts_at", "id")
    )
    session = next((s for s in sessions if s.pk == session_id), None)
    if session is None:
        return []
    day = session_day(session)
    same_day = [s for s in sessions if session_day(s) == day]
    for s in same_day:
        s.training_class = session.training_class
    return same_day


def _sign_in(user, session_id: int, source: str) -> SignIn:
    """Sign the user's member in for the class day of ``session_id``.

    Fast path (a first scan — the burst at the start of a class): the user's session and one
    INSERT … SELECT that checks status, windows, membership and enrolment and marks every
    open session of the class. Anything else (a repeat, a refusal to explain, a row roll call
    marked absent) takes the general path, which gives the same answers one check at a time."""
    now = timezone.now()
    inserted = _sign_in_fast(user.pk, session_id, source, now)
    if session_id in inserted:
        sessions = _day_sessions_for_display(session_id)
        session = next((s for s in sessions if s.pk == session_id), None)
        if session is not None:
            row_id, member_id = inserted[session_id]
            if session.ends_at <= now:
                credited_days_recompute(session.training_class, [member_id], now=now)
            present_ids = set(inserted)
            if any(s.pk not in present_ids and signin_window(s)[0] <= now for s in sessions):
                present_ids |= set(
                    Attendance.objects.filter(
                        session_id__in=[s.pk for s in sessions], member_id=member_id, present=True
                    ).values_list("session_id", flat=True)
                )
            attendance = Attendance(
                id=row_id, session=session, member_id=member_id, present=True, source=source, signed_at=now
            )
            return SignIn(attendance=attendance, created=True, sessions=sessions, present_ids=present_ids)
    sessions = _class_day_sessions(session_id)
    session = next((s for s in sessions if s.pk == session_id), None)
    if session is None:
        raise SignInRefused(signin.FORGED)
    member_id = _member_id(user)
    reason = signin_refusal(session, member_id, now)
    if reason:
        raise SignInRefused(reason)
    others = [s for s in sessions if s.pk != session.pk and signin_open(s, now)]
    attendance, created = attendance_mark_present(
        session=session, member_id=member_id, source=source, also=others, now=now
    )
    present_ids = set(
        Attendance.objects.filter(
            session_id__in=[s.pk for s in sessions], member_id=member_id, present=True
        ).values_list("session_id", flat=True)
    )
    return SignIn(attendance=attendance, created=created or bool(inserted), sessions=sessions, present_ids=present_ids)


def attendance_sign_in_token(*, user, token: str, session_id: int | None = None) -> SignIn:
    """A member scanned the QR: check token, session window and enrolment, then sign in for the
    class day. Unpacks as (attendance, newly_marked); raises SignInRefused with the reason."""
    if not getattr(user, "is_authenticated", False):
        raise SignInRefused(NOT_MEMBER)
    result = signin.token_check(token, session_id)
    if not result.ok:
        raise SignInRefused(result.error)
    return _sign_in(user, result.session_id, Attendance.Source.QR)


def attendance_sign_in_code(*, user, code: str) -> SignIn:
    """A member typed the six-digit code: find their enrolled session that is open now and
    whose current code matches, then sign in for the class day."""
    member_id = _member_id(user)
    code = (code or "").strip()
    if not (len(code) == 6 and code.isdigit() and code.isascii()):
        raise SignInRefused("请输入大屏上显示的6位数字签到码。")
    now = timezone.now()
    candidates = ClassSession.objects.filter(
        training_class__enrollments__member_id=member_id,
        training_class__status=TrainingClass.Status.PUBLISHED,
        starts_at__lte=now + dt.timedelta(minutes=conf.signin_open_before_minutes()),
        ends_at__gte=now - dt.timedelta(minutes=conf.signin_close_after_minutes()),
    ).values_list("pk", flat=True)
    for session_id in candidates:
        if signin.code_matches(session_id, code):
            return _sign_in(user, session_id, Attendance.Source.CODE)
    raise SignInRefused(NO_SESSION)

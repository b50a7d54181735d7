"""The named permission policy: every role decision the site, the API, the Wagtail admin,
media URLs, services and tasks make, in one module.

`lms.accounts.scope` resolves a user's roles into anchors (towns, schools, organization
subtrees, own member/teacher record) and filters querysets by them; this module names the
questions asked of those anchors ("may this user manage this school?", "may this user watch
this lesson?") so that no view, hook or service re-derives them from flags.
"""

from __future__ import annotations

from django.db.models import QuerySet
from wagtail.models import Page

from lms.members.models import Member
from lms.schools.models import PartySchool, TeachingPoint

from .scope import Scope, scope_for, scoped


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", True)


def scope_of(user) -> Scope:
    """The user's resolved anchors (cached for the request)."""
    return scope_for(user)


def is_admin(user) -> bool:
    """System administrators (superusers): every object, every door."""
    return _signed_in(user) and bool(user.is_superuser)


def is_staff(user) -> bool:
    """Staff of any school or department, or an administrator: may open staff pages and the admin."""
    return _signed_in(user) and scope_for(user).is_staff_scope


def may_manage_schools(user) -> bool:
    """School staff (and administrators): plan, schedule, enrol, take attendance — within
    the schools in their scope (see `may_manage_school`)."""
    return _signed_in(user) and scope_for(user).can_manage_schools


def may_manage_school(user, school) -> bool:
    """May `user` write on behalf of `school` (a PartySchool or its id): its classes, plan,
    teaching points and course pages? Administrators everywhere; school staff for the schools
    they staff (city-school staff also for the towns below it). Department staff read
    schools but do not run them."""
    if not _signed_in(user) or school is None:
        return False
    scope = scope_for(user)
    if scope.is_all:
        return True
    school_id = getattr(school, "pk", school)
    return scope.can_manage_schools and school_id in scope.school_ids


def may_manage_pool(user) -> bool:
    """Organization-department staff (and administrators): the teacher pool, quota rules and
    years, approvals, member and organization records."""
    return _signed_in(user) and scope_for(user).can_manage_pool


def may_see(user, obj) -> bool:
    """Is `obj` (a model instance whose model declares ``scope_paths``) inside the user's scope?"""
    if not _signed_in(user) or obj is None or obj.pk is None:
        return False
    model = type(obj)
    return scoped(model._default_manager.filter(pk=obj.pk), user).exists()


def visible(queryset: QuerySet, user) -> QuerySet:
    """The rows of `queryset` the user may see (the model's declared ``scope_paths``)."""
    return scoped(queryset, user)


def member_id_for(user) -> int | None:
    """The id of the user's own party-member record, if they are a member."""
    return scope_for(user).member_id if _signed_in(user) else None


def member_for(user) -> Member | None:
    """The user's own party-member record (or None): the only member a member may act as."""
    member_id = member_id_for(user)
    if member_id is None:
        return None
    member = getattr(user, "member", None)  # loaded once per request by scope_for
    if member is not None and member.pk == member_id:
        return member
    return Member.objects.filter(pk=member_id).first()


def teacher_id_for(user) -> int | None:
    """The id of the user's own teacher record, if they teach."""
    return scope_for(user).teacher_id if _signed_in(user) else None


def may_study(user) -> bool:
    """Members study; staff and administrators may preview what they publish."""
    if not _signed_in(user):
        return False
    scope = scope_for(user)
    return scope.member_id is not None or scope.is_staff_scope


def may_watch(user, lesson=None) -> bool:
    """May `user` play `lesson` (a LessonPage) — its page, renditions, poster, fallback MP4 and
    courseware? Signed-in members, and staff or administrators previewing. A lesson that is not
    live (draft, unpublished, or under an unpublished course) is only for those who may edit it.
    Anonymous users and accounts without any role never watch. With ``lesson=None`` this answers
    "may this user watch lessons at all"."""
    if not may_study(user):
        return False
    if lesson is None:
        return True
    if lesson.live and not _has_unpublished_ancestor(lesson):
        return True
    return may_edit_page(user, lesson)


def _has_unpublished_ancestor(page) -> bool:
    return Page.objects.ancestor_of(page).filter(depth__gt=1, live=False).exists()


def may_watch_video(user, video) -> bool:
    """May `user` fetch files of `video` (a media Video)? Staff who manage videos always (they
    upload and check them); anyone else only if the video belongs to a lesson they may watch, or
    is the video tour of an active teaching point (网上展厅, open to everyone who may study)."""
    if not _signed_in(user) or video is None:
        return False
    if is_staff(user):
        return True
    if not may_study(user):
        return False

    if TeachingPoint.objects.filter(tour_video_id=video.pk, is_active=True).exists():
        return True  # 网上展厅: an active teaching point's video tour is for every member

    from courses.models import LessonPage  # courses.models → courses.forms → this module

    return any(may_watch(user, lesson) for lesson in LessonPage.objects.filter(video_id=video.pk))


def may_edit_page(user, page) -> bool:
    """Wagtail's page permission model decides (group page permissions on per-school subtrees,
    see lms.accounts.pages): may `user` edit `page`?"""
    if not _signed_in(user):
        return False
    return page.permissions_for_user(user).can_edit()


def course_school_ids(user) -> frozenset[int]:
    """Schools whose course pages `user` may edit and publish: the schools they run (city-school
    staff also the towns below). Wagtail's page permissions hold the same rule as
    GroupPagePermission rows (lms.accounts.pages)."""
    if not may_manage_schools(user):
        return frozenset()
    scope = scope_for(user)
    if scope.is_all:
        return frozenset(PartySchool.objects.values_list("pk", flat=True))
    return scope.school_ids


def may_edit_county_courses(user) -> bool:
    """County courses (no offering school) are edited by city-school staff and administrators."""
    if is_admin(user):
        return True
    if not may_manage_schools(user):
        return False

    return (
        PartySchool.objects.filter(pk__in=scope_for(user).school_ids, parent__isnull=True)
        .exclude(tier=PartySchool.Tier.TOWN)
        .exists()
    )


def may_see_teacher_private(user, teacher) -> bool:
    """Feedback, schedule and roster history of a teacher: the teacher themself or the department."""
    return _signed_in(user) and (teacher_id_for(user) == teacher.pk or may_manage_pool(user))

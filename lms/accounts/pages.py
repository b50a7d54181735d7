"""Course pages belong to a school, with Wagtail's own page permission model.

Every party school has one "course editors" group (课程编辑); school staff join their school's
group when they are assigned (`staff_assign`). Each course page is a subtree (the course and its
lessons) on which the editors of the school that may run it get add/change/publish as
`GroupPagePermission` rows:

- a town school's course: that town's editors and the city school's editors above it (the city
  school manages the towns below it, as in `policy.may_manage_school`);
- a county course (no school, or the city school): the city school's editors.

On each course catalog (CourseIndexPage) every editors group holds only "add" — create a course
(and edit the ones one owns); no change or publish over other schools' courses. Wagtail's
explorer, page choosers, search, copy (needs edit on the source), move and bulk actions all
read these rows. Images and documents: add and choose in the root collection (one edits only
what one uploaded).

`course_permissions_sync()` makes the rows for every school and course (idempotent; demo seeds
call it); saving a course page syncs that course (signal below), so courses made by seeds,
copies or the API get their rows too.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models.signals import post_save
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

from courses.models import CourseIndexPage, CoursePage
from lms.schools.models import PartySchool

from .roles import DEPARTMENT_STAFF_GROUP, SCHOOL_STAFF_GROUP

EDITORS_PREFIX = "课程编辑："
COURSE_PERMISSIONS = ("add", "change", "publish")
COLLECTION_PERMISSIONS = [
    (app, f"{action}_{model}")
    for app, model in (("wagtaildocs", "document"), ("wagtailimages", "image"))
    for action in ("add", "choose")
]


def editors_group_name(school) -> str:
    return f"{EDITORS_PREFIX}{school.name}（#{school.pk}）"


def editors_group(school) -> Group:
    """The school's course editors group (found by its id suffix, so a renamed school keeps it)."""
    suffix = f"（#{school.pk}）"
    group = Group.objects.filter(name__startswith=EDITORS_PREFIX, name__endswith=suffix).first()
    if group is None:
        group = Group.objects.create(name=editors_group_name(school))
    elif group.name != editors_group_name(school):
        group.name = editors_group_name(school)
        group.save(update_fields=["name"])
    return group


def _editor_groups():
    return Group.objects.filter(name__startswith=EDITORS_PREFIX)


def course_editor_schools(course):
    """The schools whose staff edit and publish `course`."""
    school = course.school
    if school is None or school.tier != PartySchool.Tier.TOWN:
        return list(PartySchool.objects.exclude(tier=PartySchool.Tier.TOWN))
    schools = [school]
    if school.parent_id:
        schools.append(school.parent)
    return schools


@transaction.atomic
def course_page_permissions_sync(course) -> None:
    """Give `course`'s subtree to the editors of its schools (and take it from any other)."""
    wanted = {editors_group(s).pk for s in course_editor_schools(course)}
    perms = {
        p.codename.split("_")[0]: p
        for p in Permission.objects.filter(
            content_type__app_label="wagtailcore", codename__in=[f"{a}_page" for a in COURSE_PERMISSIONS]
        )
    }
    existing = GroupPagePermission.objects.filter(page_id=course.pk, group__in=_editor_groups())
    existing.exclude(group_id__in=wanted).delete()
    have = set(existing.values_list("group_id", "permission_id"))
    GroupPagePermission.objects.bulk_create(
        GroupPagePermission(group_id=g, page_id=course.pk, permission=p)
        for g in wanted
        for p in perms.values()
        if (g, p.pk) not in have
    )


@transaction.atomic
def course_permissions_sync() -> None:
    """Every school's editors group, "add" on each catalog, collection rights, each course's rows.
    The role groups keep no page rights (they used to publish anywhere in the catalog)."""

    groups = [editors_group(s) for s in PartySchool.objects.order_by("pk")]
    GroupPagePermission.objects.filter(group__name__in=[SCHOOL_STAFF_GROUP, DEPARTMENT_STAFF_GROUP]).delete()
    add_page = Permission.objects.get(content_type__app_label="wagtailcore", codename="add_page")
    for index in CourseIndexPage.objects.all():
        GroupPagePermission.objects.filter(page=index, group__in=_editor_groups()).exclude(permission=add_page).delete()
        for group in groups:
            GroupPagePermission.objects.get_or_create(group=group, page=index, permission=add_page)
    root_collection = Collection.get_first_root_node()
    if root_collection is not None:
        collection_perms = [
            Permission.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in COLLECTION_PERMISSIONS
        ]
        for group in groups:
            for perm in collection_perms:
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=perm
                )
    for course in CoursePage.objects.select_related("school__parent"):
        course_page_permissions_sync(course)


def editors_join(user, school) -> None:
    """Called by staff_assign: school staff edit their school's courses."""
    course_permissions_sync()
    user.groups.add(editors_group(school))


def editors_leave(user, school) -> None:
    user.groups.remove(editors_group(school))


def _course_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        course_page_permissions_sync(instance)


def connect_signals() -> None:
    post_save.connect(_course_saved, sender=CoursePage, dispatch_uid="lms_course_page_permissions")

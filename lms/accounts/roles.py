"""Staff roles as Django groups: which admin permissions each role holds. Which *objects*
a user may touch is decided separately, by lms.accounts.scope. Feature apps add their
models' permissions here."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

SCHOOL_STAFF_GROUP = "党校工作人员"
DEPARTMENT_STAFF_GROUP = "组织部工作人员"

_CRUD = ("add", "change", "delete", "view")


def _crud(label: str) -> list[str]:
    app, model = label.split(".")
    return [f"{app}.{action}_{model}" for action in _CRUD]


ROLE_PERMISSIONS: dict[str, list[str]] = {
    SCHOOL_STAFF_GROUP: [
        "wagtailadmin.access_admin",
        "schools.view_partyschool",
        "schools.change_partyschool",
        *_crud("schools.teachingpoint"),
        "organizations.view_partyorganization",
        "members.view_member",
        "teachers.view_teacher",
        "teachers.view_teacherspecialty",
        "teachers.view_rosteryear",
        "teachers.view_rosterentry",
        "teachers.view_evaluationdimension",
        # Plans, classes, sessions, enrolment and attendance are run in the /training/
        # workspace (services, 5+1+N, audit); the admin shows staff a link there, not a
        # second raw UI (lms/accounts/wagtail_hooks.py).
        *_crud("lms_media.video"),
        "roster.add_importjob",
        "roster.view_importjob",
        "quotas.view_quotarule",
        "quotas.view_quotayear",
        "quotas.view_warning",
        "courses.view_studyprogress",
        "courses.view_studyday",
        "points.view_pointrule",
        "points.view_pointentry",
        "reflections.view_reflection",
        # quizzes: which courses' quizzes is Wagtail's page permissions (lms.quizzes.selectors)
        *_crud("quizzes.quiz"),
        *_crud("quizzes.question"),
        "quizzes.view_attempt",
        "quizzes.view_quizpass",
    ],
    DEPARTMENT_STAFF_GROUP: [
        "wagtailadmin.access_admin",
        *_crud("schools.partyschool"),
        "schools.view_teachingpoint",
        "organizations.add_partyorganization",
        "organizations.change_partyorganization",
        "organizations.view_partyorganization",
        # Members are written by the roster workspace and member services (history kept);
        # staff assignments by administrators through staff_assign.
        "members.view_member",
        "accounts.view_staffassignment",
        "teachers.add_teacher",
        "teachers.change_teacher",
        "teachers.view_teacher",
        *_crud("teachers.teacherspecialty"),
        *_crud("teachers.rosteryear"),
        *_crud("teachers.rosterentry"),
        *_crud("teachers.evaluationdimension"),
        *_crud("teachers.assessmentpolicy"),
        "training.view_trainingclass",
        "training.view_classsession",
        "training.view_enrollment",
        "training.view_attendance",
        "training.view_creditedday",
        "training.view_annualplan",
        "training.view_plannedclass",
        "audit.view_auditentry",
        "courses.view_studyprogress",
        "courses.view_studyday",
        *_crud("lms_media.video"),
        "roster.add_importjob",
        "roster.view_importjob",
        "quotas.view_quotayear",
        "quotas.view_quotarule",
        "quotas.view_warning",
        "points.add_pointrule",
        "points.change_pointrule",
        "points.view_pointrule",
        "points.view_pointentry",
        "reflections.view_reflection",
        "quizzes.view_attempt",
        "quizzes.view_quizpass",
    ],
}
ROLE_GROUPS = {"school": SCHOOL_STAFF_GROUP, "department": DEPARTMENT_STAFF_GROUP}


@transaction.atomic
def roles_sync_groups(**_kwargs) -> None:
    """Create the role groups with exactly their permissions (idempotent; runs after migrate,
    so a permission a role no longer needs is taken away on the next migrate)."""
    for group_name, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted += list(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """Login account. A person's roles come from what links to the account
    (a Member, a StaffAssignment, a Teacher), never from flags on the user."""

    display_name = models.CharField("显示名称", max_length=64, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        """The staff name shown everywhere, the Wagtail admin included (not the username)."""
        return self.display_name or super().get_full_name()


class StaffAssignment(models.Model):
    """Makes a user staff of a party school (school staff) or of an organization
    (organization-department staff). Scope follows the tree below that node."""

    class Role(models.TextChoices):
        SCHOOL = "school", "党校工作人员"
        DEPARTMENT = "department", "组织部工作人员"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_assignments", verbose_name="用户")
    role = models.CharField("角色", max_length=16, choices=Role.choices)
    school = models.ForeignKey(
        "schools.PartySchool", null=True, blank=True, on_delete=models.CASCADE, verbose_name="党校"
    )
    organization = models.ForeignKey(
        "organizations.PartyOrganization", null=True, blank=True, on_delete=models.CASCADE, verbose_name="党组织"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"school": "school", "org": "organization"}

    class Meta:
        verbose_name = "工作人员任职"
        verbose_name_plural = "工作人员任职"
        constraints = [
            models.CheckConstraint(
                name="staff_assignment_anchor",
                condition=(
                    models.Q(role="school", school__isnull=False, organization__isnull=True)
                    | models.Q(role="department", organization__isnull=False, school__isnull=True)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.school or self.organization}"

from django.db import models
from treebeard.mp_tree import MP_Node


class PartyOrganization(MP_Node):
    """Committee (党委/党工委) → general branch (党总支) → branch (党支部), as a materialized
    path so that a subtree is one indexed prefix query."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", "党委(党工委)"
        GENERAL_BRANCH = "general_branch", "党总支"
        BRANCH = "branch", "党支部"

    class Sector(models.TextChoices):
        VILLAGE = "village", "农村"
        COMMUNITY = "community", "社区"
        ENTERPRISE = "enterprise", "企业"
        GOVERNMENT = "government", "机关事业单位"
        OTHER = "other", "其他"

    name = models.CharField("名称", max_length=120)
    code = models.CharField("组织编码", max_length=32, unique=True, null=True, blank=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    sector = models.CharField("领域", max_length=16, choices=Sector.choices, default=Sector.OTHER)
    town = models.ForeignKey(
        "schools.PartySchool",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
        limit_choices_to={"tier": "town"},
        verbose_name="所在镇街(服务党校)",
    )

    scope_paths = {"org": "", "town": "town"}

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        indexes = [models.Index(fields=["kind", "town"])]

    def __str__(self) -> str:
        return self.name

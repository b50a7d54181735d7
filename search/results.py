"""The shape every backend returns, and the validated filters every backend accepts."""

from __future__ import annotations

from dataclasses import dataclass, field

from courses.modules import Module
from lms.members.models import MemberCategory
from lms.schools.models import PartySchool
from teachers.models import Teacher

from .models import SearchKind

PAGE_SIZE = 10
MAX_PAGE = 100
# The filters that are also facets, in the order results list them (both backends).
FACETS = ("kind", "module", "school_tier")


class SearchInputError(ValueError):
    """Invalid search input; the message is shown to the user (Chinese)."""


@dataclass(frozen=True)
class SearchFilters:
    kind: str = ""
    module: str = ""
    audience: str = ""
    teacher_kind: str = ""
    school_tier: str = ""

    FIELDS = {
        "kind": (SearchKind, "类型"),
        "module": (Module, "教学模块"),
        "audience": (MemberCategory, "适用对象"),
        "teacher_kind": (Teacher.Kind, "讲师类别"),
        "school_tier": (PartySchool.Tier, "党校层级"),
    }

    @classmethod
    def parse(cls, params) -> SearchFilters:
        """From request parameters; unknown values are refused rather than ignored, so that a
        user never reads an unfiltered list believing it filtered."""
        values = {}
        for name, (choices, label) in cls.FIELDS.items():
            value = (params.get(name) or "").strip()
            if value and value not in choices.values:
                raise SearchInputError(f"{label}“{value[:20]}”不存在，请从列表中选择。")
            values[name] = value
        return cls(**values)

    def as_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.FIELDS if getattr(self, name)}

    def facet_values(self, *, skip: str = "") -> dict[str, str]:
        """The chosen values of the facet filters, but `skip`'s: what a facet counts under."""
        return {name: getattr(self, name) for name in FACETS if name != skip and getattr(self, name)}


def parse_page(value) -> int:
    if value in (None, ""):
        return 1
    try:
        page = int(str(value).strip())
    except ValueError:
        raise SearchInputError("页码必须是正整数。") from None
    if page < 1:
        raise SearchInputError("页码必须是正整数。")
    if page > MAX_PAGE:
        raise SearchInputError(f"最多只能查看前 {MAX_PAGE} 页，请缩小搜索范围。")
    return page


@dataclass
class Hit:
    kind: str
    id: int
    title: str
    url: str
    title_html: str  # escaped, matches in <mark>
    snippet: str  # escaped, matches in <mark>
    score: float
    module: str = ""
    teacher_kind: str = ""
    school_tier: str = ""

    @property
    def kind_label(self) -> str:
        return SearchKind(self.kind).label

    @property
    def module_label(self) -> str:
        return Module(self.module).label if self.module in Module.values else ""

    @property
    def school_tier_label(self) -> str:
        return PartySchool.Tier(self.school_tier).label if self.school_tier in PartySchool.Tier.values else ""


@dataclass
class FacetCount:
    value: str
    label: str
    count: int


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]
    total: int
    page: int
    pages: int
    page_size: int
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    backend: str = "database"
    degraded: bool = False  # Elasticsearch configured but unreachable: served by the database

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


FACET_LABELS = {
    "kind": dict(SearchKind.choices),
    "module": dict(Module.choices),
    "school_tier": dict(PartySchool.Tier.choices),
}
# What the search page calls each facet.
FACET_TITLES = {"kind": "类型", "module": "教学模块", "school_tier": "党校层级"}


def facet_list(name: str, counts: dict[str, int]) -> list[FacetCount]:
    """Counts in the order of the choices, zero counts left out."""
    labels = FACET_LABELS[name]
    return [FacetCount(v, label, counts[v]) for v, label in labels.items() if counts.get(v)]


def pages_for(total: int, page_size: int) -> int:
    return max(1, -(-total // page_size))

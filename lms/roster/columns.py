"""Column layout of roster sheets: the headers we write on export, the Chinese headers we
recognize on import, and the mapping from a file's header row to fields. Export and import
share this one table, which is what makes export → import a round trip."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # written on export; recognized on import
    aliases: tuple[str, ...] = ()
    required: bool = False
    exported: bool = True  # False: read on import only (e.g. the day a change takes effect)


MEMBER_COLUMNS: tuple[Column, ...] = (
    Column("member_no", "党员编号", ("编号", "党员编码", "人员编号", "党员证号"), required=True),
    Column("name", "姓名", ("党员姓名", "名字"), required=True),
    Column("gender", "性别"),
    Column("branch", "所在支部", ("支部", "党支部", "所在党支部", "所在党组织", "支部名称", "党组织名称")),
    Column("branch_code", "支部编码", ("组织编码", "党组织编码", "所在支部编码", "支部代码")),
    Column("categories", "人员类别", ("党员类别", "类别", "身份类别")),
    Column("join_date", "入党日期", ("入党时间", "转正日期前入党日期", "入党年月"), required=True),
    Column("phone", "手机号", ("手机号码", "联系电话", "手机", "电话", "联系方式")),
    Column("is_active", "在册", ("是否在册", "状态")),
    Column("login", "登录账号", ("账号", "用户名", "登录名")),
    Column("changed_on", "变动日期", ("生效日期", "变更日期", "调整日期", "变动生效日期", "任职日期"), exported=False),
)

ORGANIZATION_COLUMNS: tuple[Column, ...] = (
    Column("code", "组织编码", ("党组织编码", "编码", "组织代码")),
    Column("name", "组织名称", ("党组织名称", "名称", "党组织"), required=True),
    Column("kind", "组织类型", ("类型", "党组织类型", "组织类别"), required=True),
    Column("parent_code", "上级组织编码", ("上级编码", "上级党组织编码")),
    Column("parent", "上级组织", ("上级党组织", "上级组织名称", "上级")),
    Column("town", "所在镇街", ("镇街", "所属镇街", "镇街党校", "乡镇（街道）", "乡镇")),
    Column("sector", "领域", ("所属领域", "组织领域")),
)

COLUMNS = {"members": MEMBER_COLUMNS, "organizations": ORGANIZATION_COLUMNS}

_NOISE = re.compile(r"[\s*＊:：（）()\[\]【】]")


def normalize_header(value) -> str:
    """'* 手机号码：' → '手机号码' so that decorations in department sheets do not matter."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", str(value or ""))).strip()


def _lookup(kind: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for col in COLUMNS[kind]:
        for name in (col.header, *col.aliases):
            table[normalize_header(name)] = col.key
    return table


def columns_for(kind: str) -> tuple[Column, ...]:
    return COLUMNS[kind]


def column(kind: str, key: str) -> Column:
    return next(c for c in COLUMNS[kind] if c.key == key)


def field_choices(kind: str) -> list[tuple[str, str]]:
    return [(c.key, c.header) for c in COLUMNS[kind]]


def recognized_count(kind: str, headers: list) -> int:
    table = _lookup(kind)
    return sum(1 for h in headers if normalize_header(h) in table)


@dataclass
class Mapping:
    """Which file column feeds which field; `unknown` are non-empty headers nobody claimed."""

    by_key: dict[str, int]
    unknown: list[str]
    missing_required: list[str]  # headers (Chinese) of required columns with no source
    duplicates: list[str]  # fields fed by two columns


def resolve_mapping(kind: str, headers: list[str], overrides: dict[str, str] | None = None) -> Mapping:
    """Map headers to fields: the user's choices first (header → key, '' to ignore), then the
    recognized names. Members need a branch either by name or by code."""
    overrides = overrides or {}
    table = _lookup(kind)
    valid_keys = {c.key for c in COLUMNS[kind]}
    by_key: dict[str, int] = {}
    unknown: list[str] = []
    duplicates: list[str] = []
    for index, raw in enumerate(headers):
        header = str(raw or "").strip()
        if not header:
            continue
        if header in overrides:
            key = overrides[header]
            if not key or key not in valid_keys:
                continue
        else:
            key = table.get(normalize_header(header))
            if key is None:
                unknown.append(header)
                continue
        if key in by_key:
            duplicates.append(column(kind, key).header)
            continue
        by_key[key] = index
    missing = [c.header for c in COLUMNS[kind] if c.required and c.key not in by_key]
    if kind == "members" and "branch" not in by_key and "branch_code" not in by_key:
        missing.append("所在支部（或支部编码）")
    return Mapping(by_key=by_key, unknown=unknown, missing_required=missing, duplicates=duplicates)

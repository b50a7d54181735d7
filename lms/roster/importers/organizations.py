"""The organization roster import: party organizations upserted by 组织编码 (or by name under
the same parent) inside the importer's subtree, parents possibly earlier rows of the file."""

from __future__ import annotations

from collections import defaultdict

from lms.accounts.scope import scope_for, scoped
from lms.organizations.models import PartyOrganization
from lms.organizations.services import organization_create
from lms.schools.models import PartySchool

from .. import values as v
from .base import RowError, RowImport


class OrganizationImport(RowImport):
    """Organizations upserted by 组织编码 (or by name under the same parent) inside the
    importer's subtree; parents may be earlier rows of the same file."""

    kind = "organizations"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.scope = scope_for(self.user)
        orgs = scoped(PartyOrganization.objects.all(), self.user).values(
            "id", "path", "code", "name", "kind", "sector", "town_id"
        )
        self.by_id: dict = {}
        self.by_path: dict[str, dict] = {}
        self.by_code: dict[str, dict] = {}
        self.by_name: dict[str, list[dict]] = defaultdict(list)
        for o in orgs:
            self._remember(o)
        steplen = PartyOrganization.steplen
        # Parents just above the subtree: known, so that rows naming them keep their place,
        # but nothing new may be put under them.
        above = {o["path"][:-steplen] for o in self.by_id.values() if len(o["path"]) > steplen} - set(self.by_path)
        for o in PartyOrganization.objects.filter(path__in=above).values(
            "id", "path", "code", "name", "kind", "sector", "town_id"
        ):
            o["outside"] = True
            self._remember(o)
        for o in list(self.by_id.values()):
            o["parent_key"] = self._key(self.by_path.get(o["path"][:-steplen])) if len(o["path"]) > steplen else None
        towns = PartySchool.objects.filter(tier=PartySchool.Tier.TOWN).values_list("id", "name", "region")
        self.towns_by_label: dict[str, int] = {}
        self.town_names: dict[int, str] = {}
        for pk, name, region in towns:
            self.town_names[pk] = name
            self.towns_by_label[name] = pk
            if region:
                self.towns_by_label.setdefault(region, pk)
        self.instances: dict = {}
        self.seen_codes: dict[str, int] = {}
        self.seen_names: dict[tuple, int] = {}

    @staticmethod
    def _key(o: dict | None):
        return None if o is None else o["id"]

    def _remember(self, o: dict) -> None:
        self.by_id[o["id"]] = o
        if o.get("path"):
            self.by_path[o["path"]] = o
        if o.get("code"):
            self.by_code[o["code"]] = o
        self.by_name[v.norm(o["name"])].append(o)

    def _town_allowed(self, town_id: int) -> bool:
        return self.scope.is_all or town_id in self.scope.town_ids

    def process(self, chunk: list[tuple[int, list]]) -> list[RowError]:
        errors: list[RowError] = []
        for row_no, values in self.without_summary_rows(chunk):
            self.counts.rows += 1
            before = len(errors)
            row = self._row(row_no, values, errors)
            if len(errors) == before and row is not None:
                self._plan(row)
        return self._finish_chunk(errors)

    def _row(self, row_no: int, values: list, errors: list[RowError]) -> dict | None:
        def take(key, parse):
            try:
                return parse(self.cell(values, key))
            except v.BadValue as exc:
                errors.append(RowError(row_no, self.header(key), str(exc)))
                return None

        name = take("name", lambda x: v.required_text(x, label="组织名称", max_length=120))
        kind = take("kind", v.parse_kind)
        code = take("code", lambda x: v.text(x)[:33]) if self.has("code") else ""
        if code and len(code) > 32:
            errors.append(RowError(row_no, self.header("code"), "组织编码不能超过 32 个字符"))
        sector = take("sector", v.parse_sector) if self.has("sector") else None
        town_label = v.text(self.cell(values, "town")) if self.has("town") else ""
        town_id = None
        if town_label:
            town_id = self.towns_by_label.get(town_label) or self.towns_by_label.get(town_label.removesuffix("党校"))
            if town_id is None:
                errors.append(RowError(row_no, self.header("town"), f"找不到镇街“{town_label}”"))
            elif not self._town_allowed(town_id):
                errors.append(RowError(row_no, self.header("town"), f"镇街“{town_label}”不在您的管辖范围内"))
        if code:
            first = self.seen_codes.get(code)
            if first:
                errors.append(RowError(row_no, self.header("code"), f"组织编码“{code}”与第 {first} 行重复"))
            self.seen_codes.setdefault(code, row_no)
        parent = self._parent(row_no, values, errors)
        if name is None or kind is None or parent is False:
            return None
        existing = self.by_code.get(code) if code else None
        if code and existing is None and PartyOrganization.objects.filter(code=code).exists():
            errors.append(RowError(row_no, self.header("code"), f"组织编码“{code}”属于您管辖范围外的党组织"))
            return None
        parent_key = self._key(parent)
        if existing is None and not code:
            existing = next(
                (o for o in self.by_name.get(name, []) if o.get("parent_key") == parent_key and o.get("id")), None
            )
        key = (parent_key, name)
        first = self.seen_names.get(key)
        if first:
            errors.append(RowError(row_no, self.header("name"), f"同一上级下的“{name}”与第 {first} 行重复"))
            return None
        self.seen_names[key] = row_no
        if existing is not None and existing.get("parent_key") != parent_key:
            errors.append(RowError(row_no, self.header("parent"), "不支持通过导入调整上级组织，请在管理后台移动该组织"))
            return None
        if existing is not None and existing.get("outside"):
            errors.append(RowError(row_no, self.header("name"), f"“{name}”不在您的管辖范围内，不能通过导入修改"))
            return None
        if existing is None and parent and parent.get("outside"):
            errors.append(RowError(row_no, self.header("parent"), f"上级组织“{parent['name']}”不在您的管辖范围内"))
            return None
        if existing is not None and existing["kind"] != kind and isinstance(existing["id"], int):
            errors.append(
                RowError(
                    row_no,
                    self.header("kind"),
                    f"“{name}”现为{v.KIND_EXPORT[existing['kind']]}，不支持通过导入更改组织类型，请在管理后台调整",
                )
            )
            return None
        if parent is None and existing is None and not self.scope.is_all:
            errors.append(RowError(row_no, self.header("parent"), "只有系统管理员可以导入顶级党组织，请填写上级组织"))
            return None
        if parent is not None and parent["kind"] == "branch":
            errors.append(RowError(row_no, self.header("parent"), f"“{parent['name']}”是党支部，不能再设下级组织"))
            return None
        if parent is not None and parent["kind"] == "general_branch" and kind != "branch":
            errors.append(RowError(row_no, self.header("kind"), "党总支下只能设党支部"))
            return None
        if not self.has("town") and existing is not None:
            town_id = existing["town_id"]
        if kind == "branch" and town_id is None:
            errors.append(RowError(row_no, self.header("town"), "党支部必须填写所在镇街"))
            return None
        if existing is None and town_id is None and not self.scope.is_all and not self.scope.org_paths:
            errors.append(RowError(row_no, self.header("town"), "请填写所在镇街"))
            return None
        if sector is None:
            sector = existing["sector"] if existing else "other"
        return {
            "row": row_no,
            "name": name,
            "kind": kind,
            "code": code or (existing["code"] if existing else None),
            "sector": sector,
            "town_id": town_id,
            "parent": parent,
            "existing": existing,
        }

    def _parent(self, row_no: int, values: list, errors: list[RowError]):
        """The parent as a remembered dict, None for a root, False when unusable."""
        code = v.text(self.cell(values, "parent_code")) if self.has("parent_code") else ""
        name = v.text(self.cell(values, "parent")) if self.has("parent") else ""
        if code:
            o = self.by_code.get(code)
            if o is None:
                outside = PartyOrganization.objects.filter(code=code).exists()
                msg = f"上级组织编码“{code}”不在您的管辖范围内" if outside else f"上级组织编码“{code}”不存在"
                errors.append(RowError(row_no, self.header("parent_code"), msg))
                return False
            if name and not v.same_text(o["name"], name):
                errors.append(
                    RowError(row_no, self.header("parent"), f"上级组织“{name}”与编码“{code}”（{o['name']}）不一致")
                )
                return False
            return o
        if name:
            found = self.by_name.get(name, [])
            if len(found) > 1:
                errors.append(RowError(row_no, self.header("parent"), f"有多个名为“{name}”的组织，请填写上级组织编码"))
                return False
            if not found:
                outside = PartyOrganization.objects.filter(name=name).exists()
                msg = f"上级组织“{name}”不在您的管辖范围内" if outside else f"找不到上级组织“{name}”"
                errors.append(RowError(row_no, self.header("parent"), msg))
                return False
            return found[0]
        return None

    def _plan(self, row: dict) -> None:
        existing = row["existing"]
        if existing is not None:
            if v.same_text(existing["name"], row["name"]):
                row["name"] = existing["name"]  # keep the stored spelling (e.g. full-width brackets)
            same = all(existing[f] == row[f] for f in ("name", "kind", "sector", "town_id")) and (
                (existing["code"] or None) == (row["code"] or None)
            )
            if same:
                self.counts.unchanged += 1
                return
            self.counts.updated += 1
            if self.apply:
                node = PartyOrganization.objects.get(pk=existing["id"])
                node.name, node.kind, node.sector = row["name"], row["kind"], row["sector"]
                node.town_id, node.code = row["town_id"], row["code"] or None
                node.full_clean(exclude=["path", "depth", "numchild"])
                node.save(update_fields=["name", "kind", "sector", "town", "code"])
            existing.update({f: row[f] for f in ("name", "kind", "sector", "town_id", "code")})
            return
        self.counts.created += 1
        placeholder = {
            "id": f"row:{row['row']}",
            "path": None,
            "code": row["code"],
            "name": row["name"],
            "kind": row["kind"],
            "sector": row["sector"],
            "town_id": row["town_id"],
            "parent_key": self._key(row["parent"]),
        }
        if self.apply:
            parent = self._instance(row["parent"])
            town = PartySchool.objects.get(pk=row["town_id"]) if row["town_id"] else None
            node = organization_create(
                parent=parent, name=row["name"], kind=row["kind"], sector=row["sector"], town=town, code=row["code"]
            )
            self.instances[placeholder["id"]] = node
        self._remember(placeholder)

    def _instance(self, o: dict | None):
        """One in-memory instance per parent: treebeard counts children on it as they are added."""
        if o is None:
            return None
        key = o["id"]
        if key not in self.instances:
            self.instances[key] = PartyOrganization.objects.get(pk=key)
        return self.instances[key]

    def finish(self) -> None:
        pass

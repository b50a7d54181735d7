"""The row rules of a roster import, run chunk by chunk over a streamed file. The same code
runs for the preview (apply=False: validate and count what would change) and for the
confirmed import (apply=True: the caller holds one transaction; any error aborts it)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from lms.accounts.models import User
from lms.accounts.scope import scope_for, scoped
from lms.members.models import Member
from lms.members.services import HISTORY_FIELDS, members_bulk_upsert
from lms.organizations.models import PartyOrganization
from lms.organizations.services import organization_create
from lms.schools.models import PartySchool

from . import values as v
from .columns import Mapping, column

MISSING_SAMPLE = 200


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the header as the user sees it ("" for the whole row)
    message: str


@dataclass
class Counts:
    rows: int = 0
    error_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    users_created: int = 0
    missing: int = 0
    missing_sample: list[dict] = field(default_factory=list)
    summary_rows: list[int] = field(default_factory=list)
    history: int = 0  # category / branch changes recorded (apply) or to be recorded (preview)


class ImportAborted(Exception):
    """Raised inside the apply transaction when a row fails, so that nothing is written."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        first = errors[0]
        super().__init__(f"第 {first.row} 行 {first.column}：{first.message}")


class _Base:
    kind = ""

    def __init__(
        self,
        *,
        user,
        mapping: Mapping,
        headers: list[str],
        apply: bool,
        today: dt.date | None = None,
        effective_date: dt.date | None = None,
        skip_invalid: bool = False,
    ):
        self.user = user
        self.mapping = mapping
        self.headers = headers
        self.apply = apply
        self.skip_invalid = skip_invalid
        self.today = today or timezone.localdate()
        self.effective_date = effective_date or self.today
        self.counts = Counts()

    def without_summary_rows(self, chunk: list[tuple[int, list]]) -> list[tuple[int, list]]:
        """Totals rows (合计, 小计 …) are skipped and reported, never read as data."""
        kept = []
        for row_no, values in chunk:
            if v.is_summary_row(values):
                self.counts.summary_rows.append(row_no)
            else:
                kept.append((row_no, values))
        return kept

    def header(self, key: str) -> str:
        index = self.mapping.by_key.get(key)
        return self.headers[index] if index is not None else column(self.kind, key).header

    def cell(self, values: list, key: str):
        index = self.mapping.by_key.get(key)
        return values[index] if index is not None and index < len(values) else None

    def has(self, key: str) -> bool:
        return key in self.mapping.by_key

    def _finish_chunk(self, errors: list[RowError]) -> list[RowError]:
        """Count the faulty rows; in an all-or-nothing apply the first faulty chunk aborts
        the transaction, in a valid-rows-only apply the faulty rows are left out."""
        self.counts.error_rows += len({e.row for e in errors})
        if errors and self.apply and not self.skip_invalid:
            raise ImportAborted(errors)
        return errors


class MemberImport(_Base):
    """Members upserted by 党员编号 into branches inside the importer's jurisdiction."""

    kind = "members"
    UPDATE_FIELDS = [
        "name",
        "branch",
        "gender",
        "phone",
        "join_date",
        "is_village_committee",
        "is_branch_secretary",
        "is_mobile",
        "is_active",
        "user",
        "updated_at",
    ]
    COMPARE = [
        "name",
        "branch_id",
        "gender",
        "phone",
        "join_date",
        "is_village_committee",
        "is_branch_secretary",
        "is_mobile",
        "is_active",
        "user_id",
    ]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        branches = scoped(PartyOrganization.objects.filter(kind=PartyOrganization.Kind.BRANCH), self.user)
        self.branch_names: dict[int, str] = {}
        self.branch_by_code: dict[str, int] = {}
        self.branch_by_name: dict[str, list[int]] = defaultdict(list)
        for pk, code, name in branches.values_list("id", "code", "name"):
            self.branch_names[pk] = name
            if code:
                self.branch_by_code[code] = pk
            self.branch_by_name[v.norm(name)].append(pk)
        self.seen_nos: dict[str, int] = {}
        self.seen_logins: dict[str, int] = {}
        self.touched_branches: set[int] = set()

    # --- one row, no database ---------------------------------------------------------
    def _parse(self, row_no: int, values: list, errors: list[RowError]) -> dict | None:
        data: dict = {"row": row_no}

        def take(key: str, parse):
            try:
                data[key] = parse(self.cell(values, key))
            except v.BadValue as exc:
                errors.append(RowError(row_no, self.header(key), str(exc)))

        take("member_no", v.parse_member_no)
        take("name", lambda x: v.required_text(x, label="姓名", max_length=64))
        take("join_date", lambda x: v.parse_date(x, today=self.today))
        if self.has("gender"):
            take("gender", v.parse_gender)
        if self.has("phone"):
            take("phone", v.parse_phone)
        if self.has("categories"):
            take("categories", v.parse_categories)
        if self.has("is_active"):
            take("is_active", lambda x: v.parse_yes_no(x, label="在册"))
        if self.has("login"):
            take("login", v.parse_login)
        if self.has("changed_on") and v.text(self.cell(values, "changed_on")):
            take("changed_on", lambda x: v.parse_date(x, today=self.today, label="变动日期"))
        self._branch(row_no, values, data, errors)

        no = data.get("member_no")
        if no:
            first = self.seen_nos.get(no)
            if first is not None:
                errors.append(RowError(row_no, self.header("member_no"), f"党员编号“{no}”与第 {first} 行重复"))
                data.pop("member_no")
            else:
                self.seen_nos[no] = row_no
        login = data.get("login")
        if login:
            first = self.seen_logins.get(login)
            if first is not None:
                errors.append(RowError(row_no, self.header("login"), f"登录账号“{login}”与第 {first} 行重复"))
            else:
                self.seen_logins[login] = row_no
        return data

    def _branch(self, row_no: int, values: list, data: dict, errors: list[RowError]) -> None:
        code = v.text(self.cell(values, "branch_code")) if self.has("branch_code") else ""
        name = v.text(self.cell(values, "branch")) if self.has("branch") else ""
        if code:
            pk = self.branch_by_code.get(code)
            if pk is None:
                data["branch_code_unknown"] = code
                return
            if name and not v.same_text(self.branch_names[pk], name):
                errors.append(
                    RowError(
                        row_no,
                        self.header("branch"),
                        f"支部名称“{name}”与支部编码“{code}”（{self.branch_names[pk]}）不一致",
                    )
                )
                return
            data["branch_id"] = pk
        elif name:
            ids = self.branch_by_name.get(name, [])
            if len(ids) > 1:
                errors.append(
                    RowError(row_no, self.header("branch"), f"管辖范围内有多个名为“{name}”的支部，请填写支部编码")
                )
            elif ids:
                data["branch_id"] = ids[0]
            else:
                data["branch_name_unknown"] = name
        else:
            errors.append(
                RowError(row_no, self.header("branch" if self.has("branch") else "branch_code"), "所在支部不能为空")
            )

    # --- one chunk, a few queries -----------------------------------------------------
    def process(self, chunk: list[tuple[int, list]]) -> list[RowError]:
        errors: list[RowError] = []
        chunk = self.without_summary_rows(chunk)
        rows = [self._parse(row_no, values, errors) for row_no, values in chunk]
        self.counts.rows += len(rows)
        self._unknown_branches(rows, errors)
        nos = [r["member_no"] for r in rows if r.get("member_no")]
        existing = {
            m["member_no"]: m
            for m in Member.objects.filter(member_no__in=nos).values(
                "id", "member_no", "created_at", "user__username", "branch__name", *self.COMPARE
            )
        }
        logins = [r["login"] for r in rows if r.get("login")]
        users = {
            u["username"]: u
            for u in User.objects.filter(username__in=logins).values("id", "username", "member__member_no")
        }
        for r in rows:
            no = r.get("member_no")
            old = existing.get(no) if no else None
            if old and old["branch_id"] not in self.branch_names:
                errors.append(
                    RowError(
                        r["row"],
                        self.header("member_no"),
                        f"党员编号“{no}”属于您管辖范围外的支部（{old['branch__name']}），不能通过导入修改",
                    )
                )
                continue
            self._check_login(r, old, users, errors)
            self._check_change_date(r, old, errors)
        bad_rows = {e.row for e in errors}
        self._finish_chunk(errors)
        to_write: list = []
        new_users: dict[str, str] = {}
        for r in rows:
            if r["row"] in bad_rows or not all(k in r for k in ("member_no", "name", "branch_id", "join_date")):
                continue
            old = existing.get(r["member_no"])
            final = self._final(r, old, users)
            self.touched_branches.add(final["branch_id"])
            if old is None:
                self.counts.created += 1
            elif all(old[f] == final[f] for f in self.COMPARE):
                self.counts.unchanged += 1
                continue
            else:
                self.counts.updated += 1
                if any(old[f] != final[f] for f in HISTORY_FIELDS):
                    self.counts.history += 1
            if final.get("new_login"):
                new_users[final["new_login"]] = r["name"]
            to_write.append((r, old, final))
        self.counts.users_created += len(new_users)
        if self.apply and to_write:
            self._write(to_write, new_users)
        return errors

    def _unknown_branches(self, rows: list[dict], errors: list[RowError]) -> None:
        """Tell 'not in your jurisdiction' apart from 'does not exist'."""
        codes = {r["branch_code_unknown"] for r in rows if "branch_code_unknown" in r}
        names = {r["branch_name_unknown"] for r in rows if "branch_name_unknown" in r}
        known_codes = set(PartyOrganization.objects.filter(code__in=codes).values_list("code", flat=True))
        known_names = set(
            PartyOrganization.objects.filter(name__in=names, kind=PartyOrganization.Kind.BRANCH).values_list(
                "name", flat=True
            )
        )
        for r in rows:
            if "branch_code_unknown" in r:
                code = r["branch_code_unknown"]
                msg = (
                    f"支部编码“{code}”不在您的管辖范围内"
                    if code in known_codes
                    else f"支部编码“{code}”不存在，请先导入党组织"
                )
                errors.append(RowError(r["row"], self.header("branch_code"), msg))
            elif "branch_name_unknown" in r:
                name = r["branch_name_unknown"]
                msg = (
                    f"支部“{name}”不在您的管辖范围内"
                    if name in known_names
                    else f"找不到名为“{name}”的支部，请核对名称或填写支部编码"
                )
                errors.append(RowError(r["row"], self.header("branch"), msg))

    def _check_login(self, r: dict, old: dict | None, users: dict, errors: list[RowError]) -> None:
        """An import may create a login, never take over or replace one."""
        login = r.get("login")
        if not login:
            return
        current = old["user__username"] if old else None
        if current and current != login:
            errors.append(
                RowError(r["row"], self.header("login"), f"该党员已关联账号“{current}”，不能通过导入更换为“{login}”")
            )
            return
        user = users.get(login)
        if user is None:
            return
        linked = user["member__member_no"]
        if linked is None:
            errors.append(
                RowError(r["row"], self.header("login"), f"账号“{login}”已存在但未关联党员，请在后台手工关联")
            )
        elif linked != r.get("member_no"):
            errors.append(RowError(r["row"], self.header("login"), f"账号“{login}”已被党员编号“{linked}”使用"))

    def _on(self, r: dict):
        return r.get("changed_on") or self.effective_date

    def _check_change_date(self, r: dict, old: dict | None, errors: list[RowError]) -> None:
        """A branch or category change is recorded from its day, which cannot precede joining."""
        if old is None or "join_date" not in r:
            return
        on = self._on(r)
        if on < r["join_date"]:
            column = self.header("changed_on") if r.get("changed_on") else ""
            errors.append(RowError(r["row"], column, f"变动日期 {on} 早于入党日期 {r['join_date']}"))

    def _final(self, r: dict, old: dict | None, users: dict) -> dict:
        """The stored values after this row: the file's columns over what is stored."""
        base = (
            {f: old[f] for f in self.COMPARE}
            if old
            else {
                "gender": "",
                "phone": "",
                "is_village_committee": False,
                "is_branch_secretary": False,
                "is_mobile": False,
                "is_active": True,
                "user_id": None,
            }
        )
        final = dict(base)
        name = old["name"] if old and v.same_text(old["name"], r["name"]) else r["name"]
        final.update(name=name, branch_id=r["branch_id"], join_date=r["join_date"])
        for key in ("gender", "phone"):
            if key in r:
                final[key] = r[key]
        if "categories" in r:
            final.update(r["categories"])
        if r.get("is_active") is not None:
            final["is_active"] = r["is_active"]
        login = r.get("login")
        if login and final["user_id"] is None:
            if login in users:
                final["user_id"] = users[login]["id"]
            else:
                final["user_id"] = f"new:{login}"  # differs from None, so the row counts as changed
                final["new_login"] = login
        return final

    def _write(self, to_write: list, new_users: dict[str, str]) -> None:
        if new_users:
            # Unusable passwords: the member sets one through the reset flow or staff set it.
            User.objects.bulk_create(
                [User(username=u, display_name=name, password=make_password(None)) for u, name in new_users.items()]
            )
            ids = dict(User.objects.filter(username__in=new_users).values_list("username", "id"))
        else:
            ids = {}
        rows = []
        for r, old, final in to_write:
            user_id = final["user_id"]
            if isinstance(user_id, str):
                user_id = ids[final["new_login"]]
            fields = {f: final[f] for f in self.COMPARE if f != "user_id"}
            rows.append((Member(member_no=r["member_no"], user_id=user_id, **fields), old, self._on(r)))
        members_bulk_upsert(rows=rows, update_fields=self.UPDATE_FIELDS)

    def finish(self) -> None:
        """Members of the branches in the file that the file does not list: reported, kept."""
        if not self.touched_branches:
            return
        missing = 0
        sample = []
        rows = (
            Member.objects.filter(branch_id__in=self.touched_branches, is_active=True)
            .order_by("member_no")
            .values_list("member_no", "name", "branch__name")
        )
        for no, name, branch in rows.iterator(chunk_size=5000):
            if no not in self.seen_nos:
                missing += 1
                if len(sample) < MISSING_SAMPLE:
                    sample.append({"member_no": no, "name": name, "branch": branch})
        self.counts.missing = missing
        self.counts.missing_sample = sample


class OrganizationImport(_Base):
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

"""The member roster import: members upserted by 党员编号 into branches of the importer's
jurisdiction, through `lms.members.services.members_bulk_upsert` so every change of category
or branch is recorded with its date."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.hashers import make_password

from lms.accounts.models import User
from lms.accounts.scope import scoped
from lms.members.models import Member
from lms.members.services import HISTORY_FIELDS, MEMBER_FIELDS, members_bulk_upsert
from lms.organizations.models import PartyOrganization

from .. import values as v
from .base import MISSING_SAMPLE, RowError, RowImport


class MemberImport(RowImport):
    """Members upserted by 党员编号 into branches inside the importer's jurisdiction."""

    kind = "members"
    COMPARE = list(MEMBER_FIELDS)  # what makes a row "unchanged"
    UPDATE_FIELDS = [f.removesuffix("_id") for f in MEMBER_FIELDS] + ["updated_at"]

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

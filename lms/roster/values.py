"""Turning one spreadsheet cell into a field value, or a Chinese reason why not; and the
reverse for export. Each rule lives here once and is used by import, export and tests."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from lms.members.models import MemberCategory
from lms.spreadsheets import strip_neutralising


class BadValue(ValueError):
    """A cell that cannot be used; str(exc) is the Chinese reason shown to the user."""


def text(value) -> str:
    """Cell → trimmed, NFKC-normalised text: Excel's 13800138000.0 → '13800138000', full-width
    letters and digits typed with a Chinese input method → ASCII ('１３８' → '138'), and a
    leading apostrophe that neutralised a formula-like cell on export dropped again."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return strip_neutralising(nfkc(str(value)).strip())


# Full-width punctuation is how Chinese text is written; NFKC would turn it into ASCII.
CJK_PUNCTUATION = frozenset("（）［］｛｝，：；！？、。“”‘’《》【】")


def nfkc(value: str) -> str:
    """NFKC (full-width letters, digits and spaces → ASCII), keeping CJK punctuation as typed."""
    if unicodedata.is_normalized("NFKC", value):
        return value
    return "".join(ch if ch in CJK_PUNCTUATION else unicodedata.normalize("NFKC", ch) for ch in value)


def same_text(a: str | None, b: str | None) -> bool:
    """Stored names (possibly with full-width brackets) and file cells compare normalised."""
    return norm(a) == norm(b)


def norm(value: str | None) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def required_text(value, *, label: str, max_length: int) -> str:
    result = text(value)
    if not result:
        raise BadValue(f"{label}不能为空")
    if len(result) > max_length:
        raise BadValue(f"{label}不能超过 {max_length} 个字符")
    return result


MEMBER_NO_RE = re.compile(r"^[0-9A-Za-z_\-]{1,32}$")


def parse_member_no(value) -> str:
    result = required_text(value, label="党员编号", max_length=32)
    if not MEMBER_NO_RE.match(result):
        raise BadValue("党员编号只能包含字母、数字、短横线和下划线")
    return result


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
EARLIEST_JOIN = dt.date(1921, 7, 1)
EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value, *, today: dt.date | None = None, label: str = "入党日期") -> dt.date:
    """2021-07-01, 2021/7/1, 2021.7.1, 2021年7月1日, 20210701, Excel date cells and Excel
    serial numbers (a date column formatted as a number)."""
    today = today or dt.date.today()
    if value is None or (isinstance(value, str) and not value.strip()):
        raise BadValue(f"{label}不能为空")
    if isinstance(value, dt.datetime):
        result = value.date()
    elif isinstance(value, dt.date):
        result = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2958466:
        if 10_000_000 < value < 100_000_000:  # 20210701 typed as a number
            return parse_date(str(int(value)), today=today, label=label)
        result = EXCEL_EPOCH + dt.timedelta(days=int(value))
    else:
        raw = text(value).replace(" ", "")
        if " " in str(value).strip() and ":" in str(value):  # "2021-07-01 00:00:00"
            raw = str(value).strip().split(" ")[0]
        for pattern in _DATE_PATTERNS:
            m = pattern.match(raw)
            if m:
                try:
                    result = dt.date(int(m[1]), int(m[2]), int(m[3]))
                except ValueError:
                    raise BadValue(f"日期“{raw}”不存在") from None
                break
        else:
            raise BadValue(f"无法识别的日期“{raw}”，请写成 2021-07-01、2021/7/1 或 2021年7月1日")
    if result > today:
        raise BadValue(f"{label}不能晚于今天")
    if result < EARLIEST_JOIN:
        raise BadValue(f"{label}不能早于 1921年7月1日")
    return result


SUMMARY_WORDS = ("合计", "小计", "总计", "共计", "总数")


def is_summary_row(values: list) -> bool:
    """A totals row that Excel users add under a table (合计, 小计, 总计 …): its first
    non-empty cell starts with one of those words."""
    for value in values:
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, str):
            return False
        return re.sub(r"\s+", "", nfkc(value)).startswith(SUMMARY_WORDS)
    return False


PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def parse_phone(value) -> str:
    """Empty, or an 11-digit mainland mobile number (spaces and dashes ignored)."""
    raw = re.sub(r"[\s\-]", "", text(value))
    if not raw:
        return ""
    if raw.startswith("+86"):
        raw = raw[3:]
    if not PHONE_RE.match(raw):
        raise BadValue(f"手机号“{text(value)}”格式不正确，应为 11 位大陆手机号码")
    return raw


GENDERS = {"男": "M", "女": "F", "M": "M", "F": "F", "m": "M", "f": "F"}
GENDER_LABELS = {"M": "男", "F": "女", "": ""}


def parse_gender(value) -> str:
    raw = text(value)
    if not raw:
        return ""
    if raw not in GENDERS:
        raise BadValue(f"性别“{raw}”无法识别，请填写“男”或“女”")
    return GENDERS[raw]


_TRUE = {"是", "在册", "y", "yes", "true", "1", "√"}
_FALSE = {"否", "不在册", "n", "no", "false", "0", "×"}


def parse_yes_no(value, *, label: str) -> bool | None:
    """None when empty (keep what is stored)."""
    raw = text(value).lower()
    if not raw:
        return None
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise BadValue(f"{label}“{text(value)}”无法识别，请填写“是”或“否”")


def format_yes_no(flag: bool) -> str:
    return "是" if flag else "否"


# Category words as the department writes them → Member boolean field ("" = the baseline).
CATEGORY_WORDS = {
    "普通党员": "",
    "普通": "",
    "党员": "",
    "村两委": "is_village_committee",
    "村两委成员": "is_village_committee",
    "两委": "is_village_committee",
    "两委成员": "is_village_committee",
    "村两委干部": "is_village_committee",
    "支部书记": "is_branch_secretary",
    "党支部书记": "is_branch_secretary",
    "书记": "is_branch_secretary",
    "流动党员": "is_mobile",
    "流动": "is_mobile",
}
CATEGORY_FIELDS = ("is_village_committee", "is_branch_secretary", "is_mobile")
CATEGORY_EXPORT = {
    "is_village_committee": "村两委",
    "is_branch_secretary": "支部书记",
    "is_mobile": "流动党员",
}
_CATEGORY_SPLIT = re.compile(r"[、,，;；/|\s]+")
_QUOTES = re.compile(r"[“”\"'‘’「」()（）]")


def parse_categories(value) -> dict[str, bool]:
    """'村两委、支部书记、流动党员' → the three Member booleans. Empty or '普通党员' is the
    baseline (all False): every member is ordinary, the others are added on top."""
    flags = dict.fromkeys(CATEGORY_FIELDS, False)
    for token in _CATEGORY_SPLIT.split(text(value)):
        word = _QUOTES.sub("", token)
        if not word:
            continue
        if word not in CATEGORY_WORDS:
            raise BadValue(f"无法识别的人员类别“{token}”，可填：普通党员、村两委、支部书记、流动党员")
        field = CATEGORY_WORDS[word]
        if field:
            flags[field] = True
    return flags


def format_categories(*, is_village_committee: bool, is_branch_secretary: bool, is_mobile: bool) -> str:
    flags = {
        "is_village_committee": is_village_committee,
        "is_branch_secretary": is_branch_secretary,
        "is_mobile": is_mobile,
    }
    words = [CATEGORY_EXPORT[f] for f in CATEGORY_FIELDS if flags[f]]
    return "、".join(words) or MemberCategory.ORDINARY.label


USERNAME_RE = re.compile(r"^[\w.@+-]{1,150}$")


def parse_login(value) -> str:
    raw = text(value)
    if raw and not USERNAME_RE.match(raw):
        raise BadValue("登录账号只能包含字母、数字、汉字和 @ . + - _，最长 150 个字符")
    return raw


KIND_WORDS = {
    "党委": "committee",
    "党工委": "committee",
    "党委党工委": "committee",
    "委员会": "committee",
    "党总支": "general_branch",
    "总支": "general_branch",
    "党总支部": "general_branch",
    "党支部": "branch",
    "支部": "branch",
}
KIND_EXPORT = {"committee": "党委", "general_branch": "党总支", "branch": "党支部"}


def parse_kind(value) -> str:
    raw = _QUOTES.sub("", text(value))
    if not raw:
        raise BadValue("组织类型不能为空")
    if raw not in KIND_WORDS:
        raise BadValue(f"无法识别的组织类型“{text(value)}”，可填：党委、党工委、党总支、党支部")
    return KIND_WORDS[raw]


SECTOR_WORDS = {
    "农村": "village",
    "村": "village",
    "社区": "community",
    "城市社区": "community",
    "企业": "enterprise",
    "非公企业": "enterprise",
    "非公有制企业": "enterprise",
    "机关事业单位": "government",
    "机关": "government",
    "事业单位": "government",
    "其他": "other",
}
SECTOR_EXPORT = {
    "village": "农村",
    "community": "社区",
    "enterprise": "企业",
    "government": "机关事业单位",
    "other": "其他",
}


def parse_sector(value) -> str:
    raw = text(value)
    if not raw:
        return "other"
    if raw not in SECTOR_WORDS:
        raise BadValue(f"无法识别的领域“{raw}”，可填：农村、社区、企业、机关事业单位、其他")
    return SECTOR_WORDS[raw]

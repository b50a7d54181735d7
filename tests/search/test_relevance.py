"""Chinese relevance suite: queries a member (or staff) would type, with the results they
expect in the first 10. Recall@10 over all queries must stay ≥ 0.95 on the database backend;
every query is also reported individually so a regression is easy to read."""

from __future__ import annotations

import pytest

from search.services import search, search_index_rebuild
from tests.factories.search import build_catalog

M = "member"
S = "staff"

# (who, query, filters, expected keys, max_total or None)
CASES = [
    # two-character words inside longer titles
    (M, "党章", {}, ["lesson:集体学习党章", "lesson:党章修正案解读", "course:党章党规学习"], None),
    (M, "誓词", {}, ["lesson:重温入党誓词"], 1),
    (M, "乡村振兴", {}, ["course:乡村振兴专题", "lesson:乡村振兴战略解读"], None),
    (M, "振兴", {}, ["course:乡村振兴专题", "lesson:乡村振兴战略解读"], None),
    (M, "廉政", {}, ["lesson:廉政教育专题片观后", "lesson:全面从严治党"], 2),
    (M, "警示", {}, ["course:警示教育", "lesson:警示教育案例剖析"], None),
    (M, "党史", {}, ["course:党史学习教育", "lesson:新民主主义革命时期的党史"], None),
    (M, "宪法", {}, ["lesson:宪法学习"], None),
    (M, "禁毒", {}, ["lesson:禁毒教育基地参观"], 1),
    (M, "调解", {}, ["lesson:基层矛盾纠纷调解"], 1),
    # exact phrases (whole titles and phrases from bodies)
    (M, "集体学习党章", {}, ["lesson:集体学习党章"], None),
    (M, "重温入党誓词", {}, ["lesson:重温入党誓词"], 1),
    (M, "入党誓词", {}, ["lesson:重温入党誓词"], 1),
    (M, "廉政教育", {}, ["lesson:廉政教育专题片观后"], None),
    (M, "警示教育", {}, ["course:警示教育", "lesson:警示教育案例剖析"], None),
    (M, "改革开放", {}, ["lesson:改革开放史专题"], None),
    (M, "三会一课", {}, ["lesson:三会一课制度规范", "lesson:流动党员如何参加组织生活"], 2),
    (M, "主题党日", {}, ["lesson:主题党日活动设计"], 1),
    (M, "发展党员", {}, ["lesson:发展党员工作流程"], None),
    (M, "入党积极分子", {}, ["lesson:发展党员工作流程"], 1),
    (M, "集体经济", {}, ["lesson:农村集体经济发展"], 1),
    (M, "民法典", {}, ["lesson:民法典与农村生活"], 1),
    (M, "从严治党", {}, ["lesson:全面从严治党"], 1),
    (M, "数字乡村", {}, ["lesson:5G赋能乡村数字化"], 1),
    (M, "智慧农业", {}, ["lesson:5G赋能乡村数字化"], 1),
    (M, "人工智能", {}, ["lesson:AI助力农业生产"], 1),
    (M, "病虫害识别", {}, ["lesson:AI助力农业生产"], 1),
    (M, "以案促改", {}, ["lesson:警示教育案例剖析"], 1),
    (M, "拒腐防变", {}, ["lesson:廉政教育专题片观后"], 1),
    (M, "流动党员", {}, ["course:流动党员教育管理", "lesson:流动党员如何参加组织生活"], None),
    (M, "组织生活", {}, ["lesson:流动党员如何参加组织生活"], 1),
    (M, "村务公开", {}, ["lesson:村务公开与民主管理"], 1),
    (M, "新时代", {}, ["course:习近平新时代中国特色社会主义思想", "lesson:新时代党的建设总要求"], None),
    (M, "乡村振兴战略", {}, ["lesson:乡村振兴战略解读"], 1),
    (M, "学习党章", {}, ["lesson:集体学习党章"], None),
    # mixed Chinese / English, case and width folding
    (M, "5G 乡村", {}, ["lesson:5G赋能乡村数字化"], 1),
    (M, "5G", {}, ["lesson:5G赋能乡村数字化"], 1),
    (M, "5g乡村", {}, ["lesson:5G赋能乡村数字化"], 1),
    (M, "AI", {}, ["lesson:AI助力农业生产"], 1),
    (M, "ai 农业", {}, ["lesson:AI助力农业生产"], 1),
    (M, "ＡＩ", {}, ["lesson:AI助力农业生产"], 1),
    # one-character queries
    (M, "誓", {}, ["lesson:重温入党誓词"], 1),
    (M, "廉", {}, ["lesson:廉政教育专题片观后", "lesson:全面从严治党"], 2),
    (M, "毒", {}, ["lesson:禁毒教育基地参观"], 1),
    (M, "宪", {}, ["lesson:宪法学习"], 1),
    (M, "史", {}, ["course:党史学习教育", "lesson:新民主主义革命时期的党史", "lesson:改革开放史专题"], None),
    # filters
    (M, "乡村振兴", {"module": "thematic"}, ["course:乡村振兴专题", "lesson:乡村振兴战略解读"], None),
    # (a lesson's record carries its course title, so 重温入党誓词 under 党章党规学习 is a third hit)
    (M, "党章", {"kind": "lesson"}, ["lesson:集体学习党章", "lesson:党章修正案解读"], 3),
    (M, "党章", {"kind": "course"}, ["course:党章党规学习"], 1),
    (
        M,
        "乡村",
        {"audience": "village_committee"},
        ["course:乡村振兴专题", "lesson:乡村振兴战略解读", "lesson:5G赋能乡村数字化"],
        None,
    ),
    (M, "党员", {"audience": "mobile"}, ["course:流动党员教育管理", "lesson:流动党员如何参加组织生活"], None),
    (M, "", {"module": "professional", "kind": "course"}, ["course:支部书记履职能力", "course:村两委干部实务"], 3),
    # staff: the teacher pool
    (S, "王建国", {}, ["teacher:王建国"], 1),
    (S, "党校", {"kind": "teacher"}, ["teacher:李明华"], 1),
    (S, "集体经济", {"teacher_kind": "role_model"}, ["teacher:张秀英"], 1),
    (S, "乡村振兴", {}, ["course:乡村振兴专题", "lesson:乡村振兴战略解读", "teacher:李明华"], None),
]


@pytest.fixture
def catalog(db, roles):
    cat = build_catalog()
    search_index_rebuild(database_only=True)
    return cat


def _users(roles):
    return {M: roles.member_a_user, S: roles.town_a_staff}


def test_relevance_recall_at_10(catalog, roles):
    users = _users(roles)
    assert len(CASES) >= 40
    found = expected_total = 0
    failures = []
    for who, query, filters, expected, max_total in CASES:
        result = search(query, filters, 1, user=users[who])
        top = [catalog.key(h.kind, h.id) for h in result.hits[:10]]
        hit = [e for e in expected if e in top]
        found += len(hit)
        expected_total += len(expected)
        if len(hit) < len(expected):
            failures.append(f"{query!r} {filters}: missing {sorted(set(expected) - set(hit))}, got {top}")
        if max_total is not None and result.total > max_total:
            failures.append(f"{query!r} {filters}: {result.total} results > {max_total}: {top}")
    recall = found / expected_total
    print(f"recall@10={recall:.3f} over {len(CASES)} queries")
    assert recall >= 0.95, "\n".join(failures)
    assert not failures, "\n".join(failures)


def test_title_matches_rank_above_body_matches(catalog, roles):
    # 党章 is in two lesson titles and the course title; 集体学习党章's body says 章程, and
    # 重温入党誓词 mentions neither — the title matches must come first.
    result = search("党章", {}, 1, user=roles.member_a_user)
    keys = [catalog.key(h.kind, h.id) for h in result.hits]
    title_hits = [k for k in keys if "党章" in k]
    assert keys[: len(title_hits)] == title_hits
    # 廉政 is in one title and one body: the title one first.
    keys = [catalog.key(h.kind, h.id) for h in search("廉政", {}, 1, user=roles.member_a_user).hits]
    assert keys == ["lesson:廉政教育专题片观后", "lesson:全面从严治党"]


def test_never_found(catalog, roles):
    """Drafts, lessons under a draft course, private pages, inactive teachers, phone numbers."""
    for user in (roles.member_a_user, roles.town_a_staff, roles.superuser):
        keys = {catalog.key(h.kind, h.id) for h in search("党章", {}, 1, user=user, page_size=50).hits}
        ids = {h.id for h in search("党章", {}, 1, user=user, page_size=50).hits}
        assert catalog.draft_course.pk not in ids and catalog.draft_lesson.pk not in ids
        assert catalog.private_lesson.pk not in ids
        assert not any("赵停用" in k for k in keys)
        assert search("13800000000", {}, 1, user=user).total == 0
        assert search("赵停用", {}, 1, user=user).total == 0
    # Members never see the teacher pool, even when asking for it.
    assert search("王建国", {}, 1, user=roles.member_a_user).total == 0

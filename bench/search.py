"""Query latency of the database search backend with 10,000 lessons (plus courses and teachers).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/search.py

A fresh database of the kind DATABASE_URL names is migrated; the entries are generated
IndexRecords stored through the backend's own indexing function (``entries_rebuild``: jieba
tokens, the full-text index) — not 10,000 Wagtail pages, whose creation would only time
Wagtail's tree writes. Each query is one full ``search.services.search`` call: match, total and
facet counts (kind, module, school tier), the ranked page and its highlighted snippets.
Latency in seconds."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from _util import figures, fresh_database_url, manage  # noqa: E402

TOPICS = [
    "集体学习党章",
    "重温入党誓词",
    "乡村振兴",
    "警示教育",
    "廉政教育",
    "党史学习",
    "三会一课",
    "主题党日",
    "发展党员",
    "村务公开",
    "矛盾纠纷调解",
    "集体经济",
    "数字乡村",
    "智慧农业",
    "民法典",
    "宪法",
    "从严治党",
    "新时代党的建设",
    "流动党员管理",
    "基层治理",
    "生态文明",
    "安全生产",
    "禁毒宣传",
    "红色教育",
]
FORMS = ["专题讲座", "案例剖析", "解读", "实务", "微党课", "学习笔记", "现场教学", "访谈", "问答", "导读"]
EXTRA = ["5G", "AI", "大数据", "短视频", "直播", ""]
CLAUSES = [
    "深入学习贯彻党的创新理论",
    "推动学习成果转化为工作实效",
    "结合本镇实际讲清政策要求",
    "以案为鉴以案促改",
    "筑牢拒腐防变的思想防线",
    "发展壮大村级集体经济",
    "带领群众增收致富",
    "通过线上方式参加组织生活",
    "做到离乡不离党",
    "运用5G网络服务农业生产",
    "人工智能AI识别病虫害",
    "面向党旗重温入党誓词",
    "坚定理想信念",
    "逐条学习党章",
    "理解党员的义务和权利",
    "规范召开支部党员大会",
    "按时交纳党费",
    "做好村务公开和民主管理",
    "调解邻里矛盾纠纷",
    "推进移风易俗",
    "守护绿水青山",
    "落实安全生产责任",
    "开展禁毒宣传进村入户",
    "参观革命纪念馆",
    "讲好红色故事",
    "建设数字乡村",
    "发展智慧农业",
    "培育新型职业农民",
    "加强基层治理",
    "完善网格化管理",
    "服务流动党员",
    "关爱老党员和困难党员",
    "学习民法典",
    "维护宪法权威",
    "全面从严治党",
    "加强作风建设",
    "密切联系群众",
    "办好民生实事",
    "推进乡村振兴",
    "传承红色基因",
]
QUERIES = [
    "党章",
    "誓词",
    "乡村振兴",
    "廉政",
    "警示教育",
    "5G 乡村",
    "AI",
    "党",
    "史",
    "集体经济",
    "三会一课",
    "入党誓词",
    "数字乡村 解读",
    "从严治党",
    "直播 红色教育",
    "民法典",
    "宪法 问答",
    "案例",
]


def records(n_lessons: int, rng: random.Random):
    from search.sources import IndexRecord

    modules = ["general", "professional", "thematic"]
    audiences = [[], [], ["village_committee"], ["branch_secretary"], ["mobile"]]
    # By id, not drawn from rng: the generated titles and bodies stay those of earlier runs.
    tiers = ["town", "town", "city", "", ""]
    for i in range(1, n_lessons // 10 + 1):
        yield IndexRecord(
            kind="course",
            object_id=i,
            title=f"{rng.choice(TOPICS)}{rng.choice(FORMS)}（第{i}期）",
            body="，".join(rng.sample(CLAUSES, 4)) + "。",
            url=f"/learn/c{i}/",
            module=rng.choice(modules),
            audiences=rng.choice(audiences),
            school_tier=tiers[i % 5],
        )
    for i in range(1, n_lessons + 1):
        title = f"{rng.choice(EXTRA)}{rng.choice(TOPICS)}{rng.choice(FORMS)}第{i % 50 + 1}讲"
        yield IndexRecord(
            kind="lesson",
            object_id=i,
            title=title,
            body="，".join(rng.sample(CLAUSES, 8)) + "。",
            url=f"/learn/l{i}/",
            module=rng.choice(modules),
            audiences=rng.choice(audiences),
            school_tier=tiers[(i // 10) % 5],  # in runs of ten, like the lessons of one course
        )
    for i in range(1, 264):
        yield IndexRecord(
            kind="teacher",
            object_id=i,
            title=f"讲师{i}",
            body=f"主讲{rng.choice(TOPICS)}与{rng.choice(TOPICS)}",
            teacher_kind=rng.choice(["leader", "expert", "role_model"]),
            school_tier=tiers[i % 5],
            staff_only=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lessons", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url, drop = fresh_database_url("search")
    try:
        manage(url, "migrate", "--noinput", "-v0")
        os.environ["DATABASE_URL"] = url
        os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings.dev"
        os.environ["ELASTICSEARCH_URL"] = ""
        import django

        django.setup()
        from django.db import connection

        from search.backends.database import entries_rebuild
        from search.services import search

        t0 = time.perf_counter()
        count = entries_rebuild(records(args.lessons, random.Random(7)))
        index_s = time.perf_counter() - t0
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE search_searchentry")
        print(f"{connection.vendor}: indexed {count} entries in {index_s:.1f}s", flush=True)
        for q in QUERIES:  # warm-up (jieba dictionary, plans)
            search(q, {}, 1)
        timings = []
        for run in range(args.runs):
            for i, q in enumerate(QUERIES):
                filters = [{}, {"kind": "lesson"}, {"module": "thematic"}, {"audience": "village_committee"}][i % 4]
                page = 1 if i % 3 else 2
                t = time.perf_counter()
                result = search(q, filters, page)
                timings.append(time.perf_counter() - t)
                if run == 0 and i < 6:
                    print(f"  {q!r} {filters} p{page}: {result.total} hits, {timings[-1] * 1000:.1f} ms", flush=True)
        timings.sort()
        p95 = timings[max(0, int(round(0.95 * len(timings))) - 1)]
        print(
            figures(
                vendor=connection.vendor,
                entries=count,
                index_s=index_s,
                p50_s=float(statistics.median(timings)),
                p95_s=float(p95),
                queries=len(timings),
            )
        )
    finally:
        from django.db import connections

        connections.close_all()
        drop()


if __name__ == "__main__":
    main()

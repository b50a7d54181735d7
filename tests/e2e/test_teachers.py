"""Browser flows of the teacher pool: a trainee evaluates, the teacher reads the anonymous
aggregate, the department downloads the annual assessment."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from teachers.models import Evaluation, Teacher
from teachers.services import dimensions_ensure_defaults
from tests.e2e.ui import logout
from tests.factories import MemberFactory, UserFactory
from tests.factories.teachers import ClassSessionFactory, attend, evaluate

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def taught(roles):
    """An ended session of 张讲师 attended by member_a and two others who already answered, so
    member_a's answer is the third (the minimum for showing the aggregate)."""
    dimensions_ensure_defaults()
    teacher = TeacherFactory_with_login()
    session = ClassSessionFactory(
        teacher=teacher,
        title="乡村振兴专题讲座",
        training_class__school=roles.tree.town_a,
        training_class__title="伦镇村干部培训班",
        starts_at=timezone.now() - dt.timedelta(hours=5),
    )
    others = [MemberFactory(branch=roles.tree.branch_a, name=n) for n in ("赵一", "钱二")]
    attend(session, roles.member_a, *others)
    evaluate(session, others[0], 5, "案例很接地气")
    evaluate(session, others[1], 4)
    weak = Teacher.objects.create(name="孙讲师", kind=Teacher.Kind.LEADER, unit="测试局")
    weak_session = ClassSessionFactory(teacher=weak, starts_at=timezone.now() - dt.timedelta(days=2))
    extra = [MemberFactory(branch=roles.tree.branch_a) for _ in range(3)]
    attend(weak_session, *extra)
    for m in extra:
        evaluate(weak_session, m, 2)
    return teacher, session


def TeacherFactory_with_login():
    from tests.factories.teachers import TeacherFactory

    return TeacherFactory(name="张讲师", kind=Teacher.Kind.EXPERT, user=UserFactory(username="zhang_t"))


def test_member_evaluates_teacher_sees_aggregate_department_downloads(roles, taught, page, live_server, browser_login):
    teacher, session = taught
    # 1. The member sees the pending evaluation on the home page and answers it.
    browser_login(page, "member_a")
    page.click("text=乡村振兴专题讲座")
    page.wait_for_url(f"**/teachers/evaluate/{session.pk}/")
    for code in ("political", "content", "practice", "method"):
        page.check(f"input[name=score_{code}][value='4']")
    page.check("input[name=score_overall][value='5']")
    page.fill("textarea[name=comment]", "希望下次多讲政策解读")
    page.click("button:has-text('提交评价')")
    page.wait_for_url("**/teachers/evaluations/")
    assert "评价已保存" in page.inner_text("main")
    assert "乡村振兴专题讲座" in page.inner_text("main")
    ev = Evaluation.objects.get(session=session, member=roles.member_a)
    assert str(ev.mean_score) == "4.20" and ev.comment == "希望下次多讲政策解读"
    logout(page)

    # 2. The teacher now sees the aggregate of three responses, without names.
    browser_login(page, "zhang_t")
    page.goto(f"{live_server.url}/teachers/me/feedback/")
    card = page.locator(f".session-feedback[data-session='{session.pk}']")
    text = card.inner_text()
    # (5*5 + 4*5 + 4*4 + 5) / 15 = 66 / 15 = 4.40
    assert "评价 3 份" in text and "4.40" in text
    assert "希望下次多讲政策解读" in text and "案例很接地气" in text
    assert "甲党员" not in text and "赵一" not in text
    logout(page)

    # 3. The department downloads the assessment and it opens in openpyxl.
    browser_login(page, "dept")
    year = timezone.localtime(session.starts_at).year
    page.goto(f"{live_server.url}/teachers/assessment/?year={year}")
    assert "张讲师" in page.inner_text("table.assessment")
    with page.expect_download() as info:
        page.click("#xlsx-link")
    data = open(info.value.path(), "rb").read()
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    by_name = {r[1]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert set(by_name) == {"张讲师", "孙讲师"}
    zhang, sun = by_name["张讲师"], by_name["孙讲师"]
    assert (zhang["类别"], zhang["授课次数"], zhang["评价份数"], zhang["综合得分"]) == ("专家教授", 1, 3, 4.4)
    assert zhang["参评率"] == 1.0 and zhang["排名（类别内）"] == 1
    assert sun["综合得分"] == 2.0 and "综合得分低于3.50" in sun["调整提示"]

"""网上展厅: the gallery and teaching point pages (who sees them, search, classes that used a
point, booking), the tour video's files, the Wagtail editing door and the demo filler."""

import datetime as dt
import random

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from lms.accounts import policy
from lms.schools.demo import exhibition_demo_fill
from lms.schools.models import TeachingPoint, TeachingPointPhoto
from lms.training.models import ClassSession, TrainingClass
from tests.factories.courses import ready_video
from tests.factories.foundation import TeachingPointFactory
from tests.factories.training import ClassFactory, SessionFactory

pytestmark = pytest.mark.django_db

GALLERY = reverse("schools:exhibition")


def point_url(point) -> str:
    return reverse("schools:teaching_point", args=[point.pk])


@pytest.fixture
def points(roles):
    t = roles.tree
    return {
        "memorial": TeachingPointFactory(
            name="甲镇革命纪念馆",
            school=t.town_a,
            category=TeachingPoint.Category.PARTY_SPIRIT,
            description="讲述甲镇党组织的光辉历程。",
            highlights="入党誓词墙\n革命文物展陈",
            address="甲镇人民路8号",
            contact_name="王老师",
            contact_phone="0534-7123456",
            booking_notes="请提前三天预约。",
        ),
        "greenhouse": TeachingPointFactory(
            name="甲镇温室蔬菜大棚", school=t.town_a, category=TeachingPoint.Category.MODEL_VILLAGE
        ),
        "antidrug": TeachingPointFactory(
            name="乙镇禁毒教育基地", school=t.town_b, category=TeachingPoint.Category.WARNING, description="以案说法。"
        ),
        "closed": TeachingPointFactory(
            name="乙镇旧址陈列室", school=t.town_b, category=TeachingPoint.Category.PARTY_SPIRIT, is_active=False
        ),
    }


def _names(response) -> list[str]:
    return [p.name for p in response.context["points"]]


def test_members_of_any_town_see_every_active_point_by_town(roles, points, login):
    response = login(roles.member_a_user).get(GALLERY)
    assert response.status_code == 200
    assert sorted(_names(response)) == ["乙镇禁毒教育基地", "甲镇温室蔬菜大棚", "甲镇革命纪念馆"]
    towns = [town.name for town, _ in response.context["groups"]]
    assert towns == ["乙镇党校", "甲镇党校"]
    body = response.content.decode()
    assert "乙镇旧址陈列室" not in body  # inactive points are not exhibited
    assert "网上展厅" in body


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"q": "纪念馆"}, ["甲镇革命纪念馆"]),
        ({"q": "以案说法"}, ["乙镇禁毒教育基地"]),  # the introduction
        ({"q": "誓词"}, ["甲镇革命纪念馆"]),  # the highlights
        ({"q": "警示"}, ["乙镇禁毒教育基地"]),  # a category's label
        ({"q": "乙镇"}, ["乙镇禁毒教育基地"]),  # the town
        ({"q": "甲镇 大棚"}, ["甲镇温室蔬菜大棚"]),  # every word must match
        ({"category": "model_village"}, ["甲镇温室蔬菜大棚"]),
        ({"q": "陈列室"}, []),  # inactive
    ],
)
def test_gallery_search_and_filters(roles, points, login, params, expected):
    response = login(roles.member_b_user).get(GALLERY, params)
    assert response.status_code == 200
    assert sorted(_names(response)) == expected


def test_town_filter(roles, points, login):
    response = login(roles.member_b_user).get(GALLERY, {"town": roles.tree.town_a.pk})
    assert sorted(_names(response)) == ["甲镇温室蔬菜大棚", "甲镇革命纪念馆"]


@pytest.mark.parametrize("params", [{"town": "abc"}, {"town": "9" * 40}, {"category": "<b>x</b>"}, {"q": "x" * 5000}])
def test_bad_filters_are_named_not_a_500(roles, points, login, params):
    response = login(roles.member_a_user).get(GALLERY, params)
    assert response.status_code == 200
    assert len(_names(response)) == 3 or params.get("q")
    body = response.content.decode()
    assert "<b>x</b>" not in body
    if "q" not in params:
        assert "参数无效" in body


def test_gallery_queries_do_not_grow_with_points(roles, points, login, django_assert_max_num_queries):
    client = login(roles.member_a_user)
    client.get(GALLERY)  # warm the per-request caches (scope, sessions)
    image = Image.objects.create(title="照片", file=get_test_image_file())
    for n in range(12):
        point = TeachingPointFactory(school=roles.tree.town_a, name=f"甲镇教学点{n}")
        TeachingPointPhoto.objects.create(teaching_point=point, image=image)
    with django_assert_max_num_queries(20):
        response = client.get(GALLERY)
    assert len(_names(response)) == 15


def test_anonymous_and_roleless_users_are_refused(roles, points, client, login):
    response = client.get(GALLERY)
    assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.get(point_url(points["memorial"]))
    assert response.status_code == 302
    nobody = login(roles.nobody)
    assert nobody.get(GALLERY).status_code == 403
    response = nobody.get(point_url(points["memorial"]))
    assert response.status_code == 403
    assert "甲镇人民路8号" not in response.content.decode()


def test_point_page_shows_photos_intro_category_location_and_booking(roles, points, login):
    point = points["memorial"]
    image = Image.objects.create(title="外景", file=get_test_image_file())
    TeachingPointPhoto.objects.create(teaching_point=point, image=image, caption="纪念馆外景")
    response = login(roles.member_b_user).get(point_url(point))  # a member of the other town
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "甲镇革命纪念馆",
        "党性教育",
        "讲述甲镇党组织的光辉历程",
        "入党誓词墙",
        "纪念馆外景",
        "甲镇人民路8号",
        "王老师",
        "0534-7123456",
        "请提前三天预约",
        "甲镇党校",
    ):
        assert text in body, text
    assert "uri.amap.com/search?keyword=" in body  # a plain link; no map script
    assert '<script src="http' not in body
    assert 'id="book-link"' not in body  # members ask their school; the staff path is for staff


def test_booking_path_for_staff_who_may_book(roles, points, login):
    point = points["memorial"]
    for user, may in ((roles.town_a_staff, True), (roles.city_staff, True), (roles.town_b_staff, False)):
        body = login(user).get(point_url(point)).content.decode()
        assert ('id="book-link"' in body) is may, user.username
        if may:
            assert reverse("training:index") in body and "现场教学" in body


def test_classes_that_used_the_point(roles, points, login):
    point = points["memorial"]
    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=30)
    used = ClassFactory(title="甲镇党员冬训班", school=roles.tree.town_a, status=TrainingClass.Status.PUBLISHED)
    SessionFactory(
        training_class=used,
        kind=ClassSession.Kind.TEACHING_POINT,
        teaching_point=point,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
    )
    SessionFactory(
        training_class=used,
        kind=ClassSession.Kind.TEACHING_POINT,
        teaching_point=point,
        starts_at=start + dt.timedelta(days=1),
        ends_at=start + dt.timedelta(days=1, hours=2),
    )
    draft = ClassFactory(title="草稿班次", school=roles.tree.town_a, status=TrainingClass.Status.DRAFT)
    SessionFactory(training_class=draft, kind=ClassSession.Kind.TEACHING_POINT, teaching_point=point)
    cancelled = ClassFactory(title="取消的班次", school=roles.tree.town_a, status=TrainingClass.Status.CANCELLED)
    SessionFactory(training_class=cancelled, kind=ClassSession.Kind.TEACHING_POINT, teaching_point=point)
    elsewhere = ClassFactory(title="别处的班次", school=roles.tree.town_a, status=TrainingClass.Status.PUBLISHED)
    SessionFactory(training_class=elsewhere, kind=ClassSession.Kind.TEACHING_POINT, teaching_point=points["greenhouse"])

    response = login(roles.member_b_user).get(point_url(point))
    classes = response.context["classes"]
    assert [c.title for c in classes] == ["甲镇党员冬训班"]
    assert classes[0].visits == 2
    body = response.content.decode()
    assert "甲镇党员冬训班" in body and "（2 次）" in body
    for hidden in ("草稿班次", "取消的班次", "别处的班次"):
        assert hidden not in body


def test_inactive_or_missing_point_is_404(roles, points, login):
    client = login(roles.member_a_user)
    assert client.get(point_url(points["closed"])).status_code == 404
    assert client.get(reverse("schools:teaching_point", args=[999999])).status_code == 404


def test_tour_video_plays_for_members_through_the_media_policy(roles, points, login):
    point = points["memorial"]
    tour = ready_video(title="纪念馆导览")
    # Files named by this row's id (the media policy reads the id from the path; the factory
    # numbers its names by its own counter, which differs from the id after other tests).
    tour.mp4.name = f"videos/{tour.pk}/r1/video.mp4"
    tour.save(update_fields=["mp4"])
    assert not policy.may_watch_video(roles.member_b_user, tour)  # not a tour yet, in no lesson
    point.tour_video = tour
    point.save(update_fields=["tour_video"])
    assert policy.may_watch_video(roles.member_b_user, tour)
    assert not policy.may_watch_video(roles.nobody, tour)
    body = login(roles.member_b_user).get(point_url(point)).content.decode()
    assert 'id="tour-video"' in body and tour.mp4_url in body
    # A file of the tour through /files/: past the policy (404 only because the test row has no file).
    assert login(roles.member_b_user).get(tour.mp4_url).status_code == 404
    assert login(roles.nobody).get(tour.mp4_url).status_code == 403

    point.is_active = False
    point.save(update_fields=["is_active"])
    assert not policy.may_watch_video(roles.member_b_user, tour)


def test_unready_tour_is_not_offered(roles, points, login):
    from media.models import Video

    point = points["memorial"]
    point.tour_video = Video.objects.create(title="转码中", original="videos/originals/x.mp4", status="processing")
    point.save(update_fields=["tour_video"])
    body = login(roles.member_a_user).get(point_url(point)).content.decode()
    assert 'id="tour-video"' not in body


def test_nav_offers_the_exhibition_to_members_and_staff(roles, points, login):
    assert f'href="{GALLERY}"' in login(roles.member_a_user).get("/").content.decode()
    assert f'href="{GALLERY}"' in login(roles.town_a_staff).get("/").content.decode()


def _admin_edit_url(point) -> str:
    return reverse("wagtailsnippets_schools_teachingpoint:edit", args=[point.pk])


def test_editors_manage_their_own_towns_points_in_wagtail(roles, points, login):
    client = login(roles.town_a_staff)
    own, other = points["memorial"], points["antidrug"]
    response = client.get(_admin_edit_url(own))
    assert response.status_code == 200
    body = response.content.decode()
    for label in ("网上展厅：照片", "视频导览", "预约电话", "看点"):
        assert label in body, label
    assert client.get(_admin_edit_url(other)).status_code == 404
    index = client.get(reverse("wagtailsnippets_schools_teachingpoint:list")).content.decode()
    assert "甲镇革命纪念馆" in index and "乙镇禁毒教育基地" not in index


def test_editor_saves_intro_and_a_photo(roles, points, login):
    client = login(roles.town_a_staff)
    point = points["greenhouse"]
    image = Image.objects.create(title="大棚", file=get_test_image_file())
    data = {
        "name": point.name,
        "category": point.category,
        "school": roles.tree.town_a.pk,
        "run_by": "",
        "description": "村党支部领办合作社，温室大棚带富一方。",
        "highlights": "大棚示范区",
        "tour_video": "",
        "address": "甲镇贾集村",
        "capacity": 60,
        "open_hours": "周一至周五",
        "contact_name": "李书记",
        "contact_phone": "0534-7000000",
        "booking_notes": "",
        "is_active": "on",
        "photos-TOTAL_FORMS": "1",
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "12",
        "photos-0-image": image.pk,
        "photos-0-caption": "大棚内景",
        "photos-0-ORDER": "1",
        "photos-0-id": "",
        "photos-0-DELETE": "",
    }
    response = client.post(_admin_edit_url(point), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    point.refresh_from_db()
    assert point.description.startswith("村党支部领办合作社")
    assert [p.caption for p in point.photos.all()] == ["大棚内景"]
    # Moving the point to another town is refused (the school field offers only the user's towns).
    data["school"] = roles.tree.town_b.pk
    response = client.post(_admin_edit_url(point), data)
    assert response.status_code == 200
    point.refresh_from_db()
    assert point.school_id == roles.tree.town_a.pk


def test_members_do_not_reach_the_admin_editor(roles, points, login):
    response = login(roles.member_a_user).get(_admin_edit_url(points["memorial"]))
    assert response.status_code in (302, 403, 404)


def test_demo_fill_gives_every_point_texts_and_photos_once(roles, points):
    tour = ready_video(title="演示导览")
    filled = exhibition_demo_fill(rng=random.Random(1), tour_video=tour)
    assert filled == 4
    for point in TeachingPoint.objects.all():
        assert point.description and point.contact_phone and point.highlight_list
        assert point.photos.count() == 2
        image = point.photos.first().image
        assert (image.width, image.height) == (960, 640)
    # One tour per category (the first point of each).
    toured = TeachingPoint.objects.filter(tour_video=tour).values_list("category", flat=True)
    assert sorted(toured) == sorted({p.category for p in TeachingPoint.objects.all()})
    assert exhibition_demo_fill(rng=random.Random(1)) == 0  # idempotent
    assert TeachingPointPhoto.objects.count() == 8

"""Demo 网上展厅: every demo teaching point gets an introduction, highlights, booking contact
and two photos drawn with Pillow (no downloads); a few get a short video tour made by the real
pipeline. Called by the demo seed as the step ``lms.schools.demo`` (after the catalog;
the points come from ``lms.schools.demo_schools``), or on its own: ``exhibition_demo_fill(rng=random.Random(1))``."""

from __future__ import annotations

import io
import random

from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images.models import Image

from .models import TeachingPoint, TeachingPointPhoto

PHOTO_SIZE = (960, 640)
INTROS = {
    "party_spirit": (
        "{name}是{town}的党性教育教学点，通过革命文物、历史图片和英烈事迹，讲述本地党组织的光辉历程。"
        "党员在这里重温入党誓词、缅怀革命先烈，接受理想信念和党性教育。"
    ),
    "model_village": (
        "{name}是{town}的特色村教学点。村党支部带领群众发展特色产业、改善人居环境，"
        "走出了一条党建引领乡村振兴的路子，党员在田间地头看变化、学经验。"
    ),
    "industry": (
        "{name}是{town}的产业基地教学点，展示党组织引领产业发展、党员带头创业致富的做法，"
        "让党员在生产一线了解新业态、新技术。"
    ),
    "practical": (
        "{name}是{town}的实践技能教学点，开设种养技术、电商直播、农机操作等实训课程，"
        "帮助党员提升带头致富、服务群众的本领。"
    ),
    "warning": ("{name}是{town}的警示教育教学点，通过典型案例、图片展板和现场讲解，教育党员知敬畏、存戒惧、守底线。"),
}
HIGHLIGHTS = {
    "party_spirit": ["革命文物与历史图片展陈", "入党誓词墙：现场重温入党誓词", "英烈事迹讲解（约40分钟）"],
    "model_village": ["村史馆与支部工作室", "特色产业示范田", "支部书记现场讲述"],
    "industry": ["生产车间参观通道", "党员先锋岗", "企业党建展厅"],
    "practical": ["实训教室与操作工位", "电商直播间", "结业技能展示"],
    "warning": ["典型案例展板", "沉浸式警示教育厅", "法纪知识测试"],
}
# Background, accent per category (warm reds for party spirit, greens for villages, …).
COLOURS = {
    "party_spirit": ((176, 30, 35), (255, 214, 90)),
    "model_village": ((46, 125, 50), (230, 245, 200)),
    "industry": ((21, 101, 192), (220, 235, 255)),
    "practical": ((239, 108, 0), (255, 240, 210)),
    "warning": ((69, 90, 100), (255, 235, 238)),
}
SURNAMES = "王李张刘陈杨赵黄周吴"


def photo_draw(point: TeachingPoint, n: int, rng: random.Random) -> bytes:
    """A JPEG 'photo': sky, ground and a building or field in the category's colours. No text
    in the picture: the page names the point and captions the photo (a crop would cut text)."""
    bg, accent = COLOURS.get(point.category, COLOURS["party_spirit"])
    width, height = PHOTO_SIZE
    image = PILImage.new("RGB", PHOTO_SIZE, (200, 225, 245))
    draw = ImageDraw.Draw(image)
    for y in range(height // 2):  # sky gradient
        shade = 245 - y * 60 // (height // 2)
        draw.line([(0, y), (width, y)], fill=(shade - 40, shade - 15, 250))
    draw.rectangle([0, height * 0.62, width, height], fill=(120, 160, 90) if n % 2 else (150, 140, 110))
    base = height * 0.62
    if point.category in ("model_village", "practical") and n % 2:
        for row in range(6):  # greenhouse rows / training benches
            x = 60 + row * 140 + rng.randint(-10, 10)
            draw.rectangle([x, base - 90, x + 110, base], fill=accent, outline=bg, width=4)
    else:
        left = rng.randint(120, 300)
        draw.rectangle([left, base - 230, left + 520, base], fill=bg)
        draw.polygon([(left - 30, base - 230), (left + 260, base - 320), (left + 550, base - 230)], fill=bg)
        for col in range(6):
            for row in range(2):
                x = left + 40 + col * 80
                y = base - 190 + row * 80
                draw.rectangle([x, y, x + 40, y + 50], fill=accent)
        if point.category == "party_spirit":
            draw.line([(left + 260, base - 320), (left + 260, base - 420)], fill=(90, 90, 90), width=6)
            draw.rectangle([left + 263, base - 420, left + 363, base - 360], fill=(222, 41, 16))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


def _photo_caption(n: int) -> str:
    return "外景" if n == 0 else "展陈"


def _photo_image(point: TeachingPoint, n: int, rng: random.Random) -> Image:
    data = photo_draw(point, n, rng)
    image = Image(title=f"{point.name}（{_photo_caption(n)}）")
    image.file = ImageFile(io.BytesIO(data), name=f"teaching-point-{point.pk}-{n}.jpg")
    image.save()
    return image


@transaction.atomic
def exhibition_demo_fill(*, rng: random.Random, tour_video=None, photos_per_point: int = 2) -> int:
    """Fill in the exhibition for every teaching point that has no photos yet (idempotent).
    `tour_video` (a ready media Video) becomes the tour of the first point of each category.
    Returns how many points were filled."""
    filled = 0
    toured: set[str] = set()
    points = TeachingPoint.objects.select_related("school").order_by("school__name", "name")
    for point in points:
        if point.photos.exists():
            continue
        town = point.school.region or point.school.name
        point.description = INTROS[point.category].format(name=point.name, town=town)
        point.highlights = "\n".join(HIGHLIGHTS[point.category])
        point.address = (
            point.address if len(point.address) > len(town) else f"{town}{point.name}（{town}政府向东约2公里）"
        )
        point.open_hours = "周一至周五 8:30–11:30，14:00–17:00（团体参观请提前3天预约）"
        point.contact_name = f"{rng.choice(SURNAMES)}老师"
        point.contact_phone = f"0534-{rng.randint(7100000, 7999999)}"
        point.booking_notes = "以支部或班次为单位预约，每批不超过可容纳人数；讲解员可安排专题讲解。"
        fields = [
            "description",
            "highlights",
            "address",
            "open_hours",
            "contact_name",
            "contact_phone",
            "booking_notes",
        ]
        if tour_video is not None and point.category not in toured:
            point.tour_video = tour_video
            toured.add(point.category)
            fields.append("tour_video")
        point.save(update_fields=fields)
        TeachingPointPhoto.objects.bulk_create(
            [
                TeachingPointPhoto(
                    teaching_point=point, image=_photo_image(point, n, rng), caption=_photo_caption(n), sort_order=n
                )
                for n in range(photos_per_point)
            ]
        )
        filled += 1
    return filled


def seed(ctx) -> None:
    """Demo seed step: photos and texts for all points, one short video tour per category."""
    from media.demo import demo_video_create

    tour = demo_video_create(title="基层教学点视频导览（演示）", seconds=6)
    filled = exhibition_demo_fill(rng=ctx.rng, tour_video=tour if tour.is_ready else None)
    ctx.log(f"    网上展厅：{filled} 个教学点已配照片、简介和预约方式")

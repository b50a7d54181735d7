"""The app icons (PNG 192/512, plain and maskable) and the tab's favicon (32 px), drawn with
Pillow: no downloaded artwork.

`manage.py pwa_icons` writes them to lms/pwa/static/pwa/icons/ (committed, so servers need no
fonts). A maskable icon keeps its emblem inside the central 80 % circle that launchers keep."""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

RED = (200, 22, 29)
GOLD = (255, 214, 90)
SIZES = (192, 512)
FAVICON_SIZE = 32  # what a tab shows; every first page load fetches it, so it stays ~0.5 KB
ICON_DIR = Path(__file__).resolve().parent / "static" / "pwa" / "icons"
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
)


def _font(size: int):
    for path in FONT_CANDIDATES:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return None


def icon_draw(size: int, *, maskable: bool) -> Image.Image:
    """A red tile with a gold ring and 党校 (or a gold star: without CJK fonts, or too small
    for two characters to be read)."""
    image = Image.new("RGB", (size, size), RED)
    draw = ImageDraw.Draw(image)
    # Maskable: the safe zone is a circle of 40 % radius; plain icons may use more of the tile.
    radius = size * (0.36 if maskable else 0.44)
    centre = size / 2
    ring = max(2, round(size * 0.03))
    draw.ellipse((centre - radius, centre - radius, centre + radius, centre + radius), outline=GOLD, width=ring)
    font = _font(round(radius * 0.62)) if size >= 64 else None
    if font is not None:
        draw.text((centre, centre), "党校", fill=GOLD, font=font, anchor="mm")
    else:  # a five-pointed star
        points = []
        for i in range(10):
            r = radius * (0.7 if i % 2 == 0 else 0.28)
            angle = -math.pi / 2 + i * math.pi / 5
            points.append((centre + r * math.cos(angle), centre + r * math.sin(angle)))
        draw.polygon(points, fill=GOLD)
    return image


def icon_name(size: int, *, maskable: bool) -> str:
    return f"pwa/icons/{'maskable' if maskable else 'icon'}-{size}.png"


FAVICON_NAME = f"pwa/icons/favicon-{FAVICON_SIZE}.png"


def icons_write(directory: Path = ICON_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for size in SIZES:
        for maskable in (False, True):
            path = directory / Path(icon_name(size, maskable=maskable)).name
            icon_draw(size, maskable=maskable).save(path, "PNG", optimize=True)
            written.append(path)
    favicon = directory / Path(FAVICON_NAME).name
    icon_draw(FAVICON_SIZE, maskable=False).save(favicon, "PNG", optimize=True)
    written.append(favicon)
    return written

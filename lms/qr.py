"""QR codes drawn on our own pages (sign-in screens of classes and of live broadcast sites)."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as an inline ``<svg>`` element (no XML declaration)."""
    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    buf = io.BytesIO()
    img.save(buf)
    svg = buf.getvalue().decode()
    return svg[svg.index("<svg") :]

"""Which URL a stored video file is played from: always MEDIA_URL, answered by the authorising
view `media.views.media_file` (nginx serves the bytes in production via X-Accel-Redirect)."""


def seekable_url(fieldfile) -> str:
    """The file's URL; both the embedded view and nginx honour HTTP Range, so MP4s seek."""
    return fieldfile.url if fieldfile else ""

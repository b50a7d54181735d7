import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test writes its files into its own MEDIA_ROOT, so file assertions are exact."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root

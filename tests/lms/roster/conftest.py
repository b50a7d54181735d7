import pytest


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    """Each test keeps its uploads, reports and progress files in its own folder."""
    settings.ROSTER_IMPORT_DIR = str(tmp_path / "imports")
    return tmp_path / "imports"

import pytest


@pytest.fixture
def commit_callbacks(django_capture_on_commit_callbacks):
    """What services schedule for after their commit, run as production would."""
    return django_capture_on_commit_callbacks

"""Shared fixtures."""

import pytest

from tests.helpers import rattled_cu


@pytest.fixture(scope="session")
def cu_frames():
    return rattled_cu(8, seed=0)

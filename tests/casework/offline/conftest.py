import pytest

from casework.offline.services import register_device


@pytest.fixture
def device_a(cw_a):
    return register_device(by=cw_a, name="Phone A")

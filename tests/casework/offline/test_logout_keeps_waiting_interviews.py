"""Logging out and quick exit clear the browser's storage (and with it the offline data),
except when the offline script says interviews wait to be sent: then they stay, encrypted."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["logout", "accounts:quick-exit"])
def test_storage_is_cleared_unless_interviews_wait(client, cw_a, name):
    client.force_login(cw_a)
    assert client.post(reverse(name))["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    client.force_login(cw_a)
    kept = client.post(reverse(name), {"keep_offline": "1"})
    assert kept["Clear-Site-Data"] == '"cache", "cookies"'
    assert "_auth_user_id" not in client.session  # signed out all the same

"""The admin's "view on site" shortcut is no existence oracle: an existing case and a made-up
id get the same logged 404, signed in or not, system admin included."""

import re
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from casework.models import AccessAction, AccessLog
from children.models import Child


def body(response) -> str:
    """The page without its per-response CSRF tokens (form field and htmx header)."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", page)


def shortcut(child_id) -> str:
    return reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(Child).pk, child_id])


@pytest.mark.parametrize("who", ["anon", "sys_admin", "sup_a"])
def test_an_existing_case_and_a_made_up_id_answer_the_same_404(client, request, case_a, who):
    if who != "anon":
        client.force_login(request.getfixturevalue(who))
    existing = client.get(shortcut(case_a.pk))
    made_up = client.get(shortcut(uuid.uuid4()))
    assert (existing.status_code, made_up.status_code) == (404, 404)
    assert body(existing) == body(made_up)
    assert "There is nothing here, or nothing you may see." in body(existing)
    assert "Location" not in existing


def test_the_refusal_is_in_the_access_log(client, sys_admin, case_a):
    client.force_login(sys_admin)
    client.get(shortcut(case_a.pk))
    entry = AccessLog.objects.get(action=AccessAction.DENIED)
    assert (entry.username, entry.object_id) == ("sysadmin", str(case_a.pk))

"""The numbers for the issue's closing note (printed with -s): what a device receives for
20 cases, how long taking them and sending 10 interviews take on the server. Bounds are
loose: they catch an N+1 regression, not a slow machine."""

import json
import time

import pytest
from django.urls import reverse

from tests import factories
from tests.casework.offline.test_sync import changed, send

pytestmark = pytest.mark.django_db


def test_twenty_cases_and_ten_interviews(client, cw_a, device_a):
    cases = [factories.open_case_for(cw_a) for _ in range(20)]
    client.force_login(cw_a)
    started = time.perf_counter()
    response = client.post(
        reverse("offline:take"),
        json.dumps({"device": str(device_a.pk), "cases": [str(c.pk) for c in cases]}),
        content_type="application/json",
    )
    took = time.perf_counter() - started
    assert response.status_code == 200
    size = len(response.content)
    # Stored encrypted: base64 of the JSON plus the 16-byte GCM tag and a 12-byte IV.
    stored = 4 * ((size + 16 + 2) // 3) + 16
    started = time.perf_counter()
    for case in cases[:10]:
        assert send(client, device_a, case, changed(case)).status_code == 200
    synced = time.perf_counter() - started
    print(
        f"\n20 cases: {size} bytes of JSON, about {stored} bytes stored; take {took * 1000:.0f} ms; "
        f"10 interviews synced in {synced * 1000:.0f} ms"
    )
    assert size < 40_000 and took < 5 and synced < 20

"""SE-2, SE-10: a locked account, a wrong password and an unknown username take the same
time to answer, with the production password hasher (the test settings use a fast one).

Measured as the test thread's CPU time (the test client runs the whole request in this
thread), which the load of a shared machine does not inflate; samples are interleaved and
the median compared."""

import statistics
import time

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from casework import settings as production
from tests import factories

SAMPLES = 7
TOLERANCE = 0.005  # seconds


@pytest.fixture
def real_hasher(settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS


def timed_login(client, username, password, address) -> float:
    started = time.thread_time()
    response = client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)
    elapsed = time.thread_time() - started
    assert response.status_code == 200  # refused, whichever way
    return elapsed


def test_locked_wrong_and_unknown_answer_in_the_same_time(client, real_hasher, cw_a, cw_b):
    for user in (cw_a, cw_b):
        user.set_password(factories.PASSWORD)
        user.save()
    for n in range(5):
        client.post(reverse("login"), {"username": "cw_a", "password": "wrong"}, REMOTE_ADDR=f"192.0.2.{n}")
    samples: dict[str, list[float]] = {"locked": [], "wrong": [], "unknown": []}
    for n in range(SAMPLES):
        samples["locked"].append(timed_login(client, "cw_a", factories.PASSWORD, f"198.51.100.{n}"))
        samples["wrong"].append(timed_login(client, "cw_b", "wrong", f"203.0.113.{n}"))
        samples["unknown"].append(timed_login(client, "nobody", "wrong", f"203.0.113.{100 + n}"))
        # Keep cw_b and the addresses below their limits: only cw_a is locked.
        AccessAttempt.objects.exclude(username="cw_a").delete()
    medians = {kind: statistics.median(times) for kind, times in samples.items()}
    print({kind: f"{median * 1000:.1f} ms" for kind, median in medians.items()})
    assert max(medians.values()) - min(medians.values()) < TOLERANCE, medians

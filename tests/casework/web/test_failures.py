"""When things go wrong: no personal data in logs or error pages (AU-4, AU-5), a lost
database answers 503 and saves nothing (RL-3)."""

import logging

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from casework.core.logging import SafeFormatter
from children.models import Child
from families.models import Mother
from tests.children.test_case_new import VALID

MOTHER_NAME = "Yeonghui"


@pytest.fixture
def failing_client(cw_a):
    client = Client(raise_request_exception=False)
    client.force_login(cw_a)
    return client


@pytest.fixture
def log_output():
    """What the configured console handler writes (our formatter, not pytest's)."""
    import io

    stream = io.StringIO()
    handlers = [h for h in logging.getLogger().handlers if isinstance(h.formatter, SafeFormatter)]
    assert handlers, "the console handler uses SafeFormatter"
    previous = [h.setStream(stream) for h in handlers]
    yield stream
    for handler, old in zip(handlers, previous, strict=True):
        handler.setStream(old)


def test_a_crash_leaks_no_name_or_session_into_page_or_log(failing_client, monkeypatch, log_output):
    def crash(**kwargs):
        raise ValueError(f"duplicate key value: given_name=({MOTHER_NAME})")

    monkeypatch.setattr("children.services.open_case", crash)
    response = failing_client.post(reverse("children:new"), VALID)
    assert response.status_code == 500
    page = response.content.decode()
    session_key = failing_client.session.session_key
    assert MOTHER_NAME not in page and session_key not in page and "Traceback" not in page
    logged = log_output.getvalue()
    assert "Internal Server Error: /cases/new/" in logged and "ValueError (message withheld)" in logged
    assert MOTHER_NAME not in logged and session_key not in logged
    assert not Mother.objects.filter(given_name=MOTHER_NAME).exists()


def test_a_forged_log_line_stays_on_its_own_line():
    record = logging.LogRecord(
        "casework", logging.WARNING, __file__, 1, "note %s", ("ok\n2026-01-01 INFO login ok user=admin\r",), None
    )
    line = SafeFormatter("%(levelname)s %(message)s").format(record)
    assert "\n" not in line and "\r" not in line
    assert line == "WARNING note ok\\n2026-01-01 INFO login ok user=admin\\r"


def test_a_lost_database_answers_503_saves_nothing_and_the_next_request_works(failing_client, cw_a, monkeypatch):
    def connection_lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("children.services.save_tracked", connection_lost)
    response = failing_client.post(reverse("children:new"), VALID)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "Nothing you sent was saved" in response.content.decode()
    assert not Child.objects.exists()
    monkeypatch.undo()
    after = failing_client.get(reverse("children:list"))
    assert after.status_code == 200 and after.templates[0].name == "children/case_list.html"
    assert after.context["page"].paginator.count == 0 and "No cases match." in after.content.decode()


def test_a_deactivated_user_is_logged_out_on_the_next_request(client, cw_a, case_a):
    """AC-12: the session of a deactivated account no longer opens anything."""
    client.force_login(cw_a)
    assert client.get(case_a.get_absolute_url()).status_code == 200
    cw_a.is_active = False
    cw_a.save(update_fields=["is_active"])
    response = client.get(case_a.get_absolute_url())
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_logout_replays_nothing(client, cw_a, case_a):
    """SE-4: the cookie from before logout opens nothing afterwards."""
    client.force_login(cw_a)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("logout"))
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = replay.get(case_a.get_absolute_url())
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_logger_exception_outside_an_except_block_does_not_break_the_formatter():
    """Were the formatter to raise, logging would print the raw record, arguments and all,
    to stderr, past the withholding and the line-break escaping."""
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "saved %s", ("C-2026-0001",), (None, None, None))
    assert SafeFormatter("%(message)s").format(record) == "saved C-2026-0001\n(no exception)"

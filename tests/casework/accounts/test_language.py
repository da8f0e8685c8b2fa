"""The interface language: the browser's before login, the switch on every page, the
person's choice kept in their preferences and applied at login; never in a URL."""

import re
from html.parser import HTMLParser

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.translation import get_language_info

from casework.models import Preferences
from tests import factories
from tests.signin import authenticator, code_for

SWITCH = reverse("accounts:language")


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def test_before_login_the_browser_language_is_used(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9,en;q=0.5").get(reverse("login"))
    assert html_lang(response) == "ko"
    assert "로그인" in response.content.decode() and "Log in</h1>" not in response.content.decode()


def test_the_switch_on_the_login_page_changes_the_language_without_login(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_page = client.get(reverse("login")).content.decode()
    assert f'action="{SWITCH}"' in login_page
    response = client.post(SWITCH, {"language": "zh-hans", "next": reverse("login")})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    page = client.get(reverse("login"))
    assert html_lang(page) == "zh-hans" and "登录" in page.content.decode()


def test_the_choice_is_remembered_in_preferences_and_applied_at_the_next_login(cw_a):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(cw_a)
    client.post(SWITCH, {"language": "ko", "next": reverse("children:list")})
    assert Preferences.objects.get(user=cw_a).language == "ko"

    # Another device, whose browser asks for English: the login applies Korean, from the
    # second step of signing in on.
    elsewhere = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = elsewhere.post(reverse("login"), {"username": "cw_a", "password": factories.PASSWORD}, follow=True)
    assert html_lang(response) == "ko"
    device = authenticator(cw_a)
    response = elsewhere.post(reverse("accounts:two-factor"), {"token": code_for(device)}, follow=True)
    assert html_lang(response) == "ko"
    assert "내 사례" in response.content.decode()


def test_the_preferences_page_sets_the_language(cw_a):
    client = Client()
    client.force_login(cw_a)
    response = client.post(reverse("accounts:preferences"), {"language": "zh-hans"}, follow=True)
    assert Preferences.objects.get(user=cw_a).language == "zh-hans"
    assert html_lang(response) == "zh-hans" and "设置已保存。" in response.content.decode()


def test_an_unknown_language_changes_nothing(cw_a):
    client = Client()
    client.force_login(cw_a)
    response = client.post(SWITCH, {"language": "fr", "next": reverse("children:list")})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert not Preferences.objects.filter(user=cw_a, language="fr").exists()


def test_the_switch_goes_back_only_to_this_site(cw_a):
    client = Client()
    client.force_login(cw_a)
    response = client.post(SWITCH, {"language": "ko", "next": "https://elsewhere.example/"})
    assert response["Location"] == reverse("home")


def test_the_language_is_never_in_the_address_of_a_case(cw_a, case_a):
    client = Client()
    client.force_login(cw_a)
    page = client.get(case_a.get_absolute_url()).content.decode()
    switch = page[page.index('class="language-switch') : page.index("</form>", page.index('class="language-switch'))]
    assert str(case_a.pk) not in switch  # back by the Referer: the page names no case in the switch
    response = client.post(SWITCH, {"language": "ko"}, HTTP_REFERER=f"http://testserver/cases/{case_a.pk}/")
    assert response["Location"] == f"http://testserver/cases/{case_a.pk}/"
    assert html_lang(client.get(case_a.get_absolute_url())) == "ko"


class VisibleText(HTMLParser):
    """The words a person reads: text nodes and the attributes a screen or a reader shows."""

    SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"} or (tag == "option" and dict(attrs).get("lang")):
            self._skip += 1  # the switch names each language in itself
        self.texts += [value for name, value in attrs if name in self.SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in {"script", "style", "option"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data.strip())


def english_left(html: str, catalogue: polib.POFile) -> list[str]:
    """English messages of the interface that appear untranslated on the page."""
    parser = VisibleText()
    parser.feed(html)
    english = {e.msgid for e in catalogue if e.msgid and e.msgid != e.msgstr and re.search(r"[A-Za-z]{3}", e.msgid)}
    # Each language is named in itself in the language choices ("English", "한국어", "简体中文").
    english -= {get_language_info(code)["name_local"] for code, _name in settings.LANGUAGES}
    return sorted(text for text in parser.texts if text in english or text.rstrip(":") in english)


@pytest.mark.parametrize(("language", "folder"), [("ko", "ko"), ("zh-hans", "zh_Hans")])
def test_pages_in_korean_and_chinese_show_no_english_in_navigation_and_forms(cw_a, case_a, language, folder):
    catalogue = polib.pofile(str(settings.BASE_DIR / "locale" / folder / "LC_MESSAGES" / "django.po"))
    client = Client()
    client.force_login(cw_a)
    client.post(SWITCH, {"language": language})
    pages = [
        reverse("children:list"),
        reverse("children:new"),
        case_a.get_absolute_url(),
        reverse("children:edit", args=[case_a.pk, "mother"]),
        reverse("interviews:new", args=[case_a.pk]),
        reverse("interviews:follow-ups"),
        reverse("accounts:preferences"),
    ]
    left = {url: english_left(client.get(url).content.decode(), catalogue) for url in pages}
    assert {url: words for url, words in left.items() if words} == {}
    assert all(html_lang(client.get(url)) == language for url in pages)


def test_dates_follow_the_language(cw_a, case_a):
    from django.utils import formats, translation

    with translation.override("ko"):
        korean = formats.date_format(case_a.date_of_birth, "DATE_FORMAT")
    with translation.override("zh-hans"):
        chinese = formats.date_format(case_a.date_of_birth, "DATE_FORMAT")
    assert korean == "2016년 3월 14일" and chinese == "2016年3月14日"

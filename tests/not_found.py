"""The one check of a refusal's page: the ordinary 404, with nothing of the case on it."""

from tests.factories import FATHER, MOTHER


def assert_the_plain_404(response, child):
    """The ordinary 404 page (templates/404.html), with nothing of the case on it."""
    assert response.status_code == 404
    assert response.templates[0].name == "404.html"
    page = response.content.decode()
    assert "There is nothing here, or nothing you may see." in page
    for shown in (child.case_number, str(child.pk), child.given_name, MOTHER["given_name"], FATHER["family_name"]):
        assert shown not in page

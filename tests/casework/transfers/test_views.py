"""The transfer pages, and the receiving team's view before acceptance: the reason, the
proposing team, the child's age and province, and nothing else of the case."""

import pytest
from django.urls import reverse

from casework.models import AccessAction, AccessLog, Transfer, TransferStatus
from children.models import Child
from tests.casework.transfers.conftest import REASON
from tests.factories import FAMILY, FATHER, MOTHER
from tests.not_found import assert_the_plain_404


def detail(transfer):
    return reverse("transfers:detail", args=[transfer.pk])


def identifying(child):
    """What the receiving team must not read before acceptance."""
    return [
        child.case_number,
        str(child.pk),
        child.given_name,
        child.family_name,
        "2016-03-14",
        "2016",
        MOTHER["given_name"],
        FATHER["given_name"],
        FAMILY["county"],
        FAMILY["village"],
    ]


def denied(user, before):
    return AccessLog.objects.filter(user_id=user.pk, action=AccessAction.DENIED, id__gt=before).count()


def last_log_id():
    last = AccessLog.objects.order_by("-id").first()
    return last.pk if last else 0


def test_the_supervisor_proposes_from_the_case(client, sup_a, case_a, team_b):
    client.force_login(sup_a)
    page = client.get(reverse("transfers:propose", args=[case_a.pk]))
    assert page.status_code == 200 and case_a.case_number in page.content.decode()
    response = client.post(reverse("transfers:propose", args=[case_a.pk]), {"to_team": team_b.pk, "reason": REASON})
    transfer = Transfer.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(transfer)
    assert AccessLog.objects.filter(
        user_id=sup_a.pk, action=AccessAction.TRANSFER, object_id=str(case_a.pk), detail__step="proposed"
    ).exists()
    team_page = client.get(reverse("supervision:team")).content.decode()
    assert "Proposed by your team" in team_page and detail(transfer) in team_page


def test_the_propose_form_offers_other_teams_only(client, sup_a, case_a, team_a, team_b):
    client.force_login(sup_a)
    response = client.post(reverse("transfers:propose", args=[case_a.pk]), {"to_team": team_a.pk, "reason": REASON})
    assert response.status_code == 200 and not Transfer.objects.exists()


def test_the_receiving_supervisor_sees_only_age_province_and_reason(client, transfer, sup_b, case_a):
    client.force_login(sup_b)
    team_page = client.get(reverse("supervision:team")).content.decode()
    assert "Proposed to your team" in team_page and detail(transfer) in team_page
    page = client.get(detail(transfer)).content.decode()
    assert REASON in page and "Team A" in page and "Jilin" in page
    assert f"{case_a.age} years" in page
    for shown in identifying(case_a):
        assert shown not in team_page and shown not in page, shown


def test_the_detail_page_context_carries_no_case(client, transfer, sup_b):
    client.force_login(sup_b)
    response = client.get(detail(transfer))
    assert "transfer" not in response.context and "child" not in response.context
    assert set(vars(response.context["proposal"])) == {
        "id",
        "from_team_name",
        "reason",
        "proposed_at",
        "status",
        "age",
        "province",
    }


@pytest.mark.parametrize(
    "name",
    [
        "children:detail",
        "children:other-names",
        "interviews:new",
        "supervision:case-history",
        "supervision:case-access",
        "supervision:assignment",
        "transfers:propose",
    ],
)
def test_before_acceptance_the_receiving_supervisor_gets_a_logged_404_on_the_case(
    client, transfer, sup_b, case_a, name
):
    client.force_login(sup_b)
    before = last_log_id()
    assert_the_plain_404(client.get(reverse(name, args=[case_a.pk])), case_a)
    assert denied(sup_b, before) == 1


def test_before_acceptance_the_case_is_not_in_her_lists_search_or_history(client, transfer, sup_b, case_a):
    client.force_login(sup_b)
    for url in (
        reverse("children:list") + "?q=Kim",
        reverse("children:list") + "?q=" + case_a.case_number,
        reverse("supervision:timeline"),
        reverse("supervision:timeline") + "?case=" + case_a.case_number,
        reverse("supervision:timeline") + "?kind=transfer",
        reverse("supervision:access"),
        reverse("interviews:follow-ups"),
    ):
        response = client.get(url)
        # The search box repeats what was typed: that is not the case speaking.
        searched = url.partition("=")[2]
        page = response.content.decode().replace(f'value="{searched}"', "")
        assert response.status_code in (200, 400), url
        for shown in identifying(case_a):
            assert shown not in page, (url, shown)


def test_a_third_team_s_supervisor_gets_a_logged_404_on_the_transfer(client, transfer):
    from tests import factories

    sup_c = factories.supervisor(factories.TeamFactory(name="Team C"), username="sup_c")
    client.force_login(sup_c)
    for name in ("transfers:detail",):
        before = last_log_id()
        assert client.get(reverse(name, args=[transfer.pk])).status_code == 404
        assert denied(sup_c, before) == 1
    for name in ("transfers:accept", "transfers:refuse", "transfers:withdraw"):
        before = last_log_id()
        assert client.post(reverse(name, args=[transfer.pk]), {"reason": "x"}).status_code == 404
        assert denied(sup_c, before) == 1
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.PENDING


def test_the_proposing_side_cannot_accept_and_the_receiving_side_cannot_withdraw(client, transfer, sup_a, sup_b):
    client.force_login(sup_a)
    assert client.post(reverse("transfers:accept", args=[transfer.pk])).status_code == 404
    assert client.post(reverse("transfers:refuse", args=[transfer.pk]), {"reason": "x"}).status_code == 404
    client.force_login(sup_b)
    assert client.post(reverse("transfers:withdraw", args=[transfer.pk])).status_code == 404
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.PENDING


def test_acceptance_moves_the_case_and_asks_for_a_caseworker(client, transfer, sup_b, cw_a, cw_b, case_a):
    client.force_login(sup_b)
    response = client.post(reverse("transfers:accept", args=[transfer.pk]), {"reason": "We cover Yanji"})
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:assignment", args=[case_a.pk])
    assert AccessLog.objects.filter(user_id=sup_b.pk, action=AccessAction.TRANSFER, detail__step="accepted").exists()
    assignment = client.get(response["Location"]).content.decode()
    assert case_a.case_number in assignment and "Nobody holds this case." in assignment
    team_page = client.get(reverse("supervision:team")).content.decode()
    assert case_a.case_number in team_page and "nobody" in team_page
    # She assigns a caseworker of her team.
    client.post(
        reverse("supervision:assignment", args=[case_a.pk]),
        {"caseworker": "cw_b", "mode": "reassign", "reason": "Lives near the family"},
    )
    client.force_login(cw_b)
    assert client.get(case_a.get_absolute_url()).status_code == 200
    # The old team's caseworker has lost it at once.
    client.force_login(cw_a)
    assert_the_plain_404(client.get(case_a.get_absolute_url()), case_a)


def test_after_acceptance_the_old_supervisor_loses_the_case_but_keeps_the_record(
    client, transfer, sup_a, sup_b, case_a
):
    client.force_login(sup_b)
    client.post(reverse("transfers:accept", args=[transfer.pk]))
    client.force_login(sup_a)
    assert_the_plain_404(client.get(case_a.get_absolute_url()), case_a)
    assert_the_plain_404(client.get(reverse("supervision:case-history", args=[case_a.pk])), case_a)
    page = client.get(detail(transfer)).content.decode()
    assert "Accepted" in page and "Team B" in page


def test_after_acceptance_the_new_team_s_history_holds_the_case_and_its_transfer(client, transfer, sup_b, case_a):
    client.force_login(sup_b)
    client.post(reverse("transfers:accept", args=[transfer.pk]), {"reason": "We cover Yanji"})
    page = client.get(reverse("supervision:case-history", args=[case_a.pk])).content.decode()
    assert "We cover Yanji" in page and REASON in page


def test_refusal_needs_a_reason(client, transfer, sup_b, case_a, team_a):
    client.force_login(sup_b)
    response = client.post(reverse("transfers:refuse", args=[transfer.pk]), {"reason": ""})
    assert response.status_code == 400 and "Say why." in response.content.decode()
    for shown in identifying(case_a):
        assert shown not in response.content.decode()
    response = client.post(reverse("transfers:refuse", args=[transfer.pk]), {"reason": "No caseworker there"})
    assert response.status_code == 302
    assert Child.objects.get(pk=case_a.pk).team == team_a


def test_withdrawal(client, transfer, sup_a):
    client.force_login(sup_a)
    assert client.post(reverse("transfers:withdraw", args=[transfer.pk])).status_code == 302
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.WITHDRAWN
    assert AccessLog.objects.filter(user_id=sup_a.pk, action=AccessAction.TRANSFER, detail__step="withdrawn").exists()


def test_answering_twice_is_a_form_error_not_a_crash(client, transfer, sup_b):
    client.force_login(sup_b)
    client.post(reverse("transfers:refuse", args=[transfer.pk]), {"reason": "No"})
    response = client.post(reverse("transfers:accept", args=[transfer.pk]))
    assert response.status_code == 400 and "already been answered" in response.content.decode()


def test_the_team_page_query_count_does_not_grow_with_transfers(
    client, sup_a, sup_b, cw_a, team_b, django_assert_max_num_queries
):
    from casework.transfers.services import propose_transfer
    from tests import factories

    def add(n):
        for _ in range(n):
            propose_transfer(child=factories.open_case_for(cw_a), to_team=team_b, by=sup_a, reason=REASON)

    add(1)
    client.force_login(sup_b)
    with django_assert_max_num_queries(100) as small:
        client.get(reverse("supervision:team"))
    add(5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("supervision:team"))

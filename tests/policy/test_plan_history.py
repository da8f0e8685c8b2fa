"""AU-1 for the case plan's records: goals, services, referrals and partners are tracked
like every record of case data. Each service of casework.plans writes exactly one history
row naming the user (and the reason), the history tables are audit tables (chained,
append-only), and the supervisor's change history shows every kind."""

import datetime
from decimal import Decimal

from django.apps import apps
from django.utils import timezone

from casework.audit.registry import history_models
from casework.models import Partner, PlanGoal, Referral, Service
from casework.plans import services
from casework.supervision.queries import KINDS

NEW_MODELS = (Partner, PlanGoal, Service, Referral)


def test_every_new_model_has_an_audited_history_table_and_a_timeline_kind():
    audited = set(history_models(apps))
    for model in NEW_MODELS:
        assert model.history.model in audited, model
        assert model in KINDS.values(), model


def test_each_write_leaves_one_history_row_with_its_author(cw_a, sup_a, case_a, team_a):
    today = timezone.localdate()

    def one_more(model, write):
        before = model.history.count()
        record = write()
        rows = list(model.history.order_by("-history_id")[: model.history.count() - before])
        assert len(rows) == 1, model
        return record, rows[0]

    partner, row = one_more(
        Partner,
        lambda: services.add_partner(
            team=team_a, by=sup_a, values={"name": "S", "kind": "school", "province": "jilin"}, reason="new partner"
        ),
    )
    assert (row.history_user_id, row.history_change_reason) == (sup_a.pk, "new partner")
    _, row = one_more(
        Partner,
        lambda: services.update_partner(
            partner=partner,
            by=sup_a,
            values={"name": "S2", "kind": "school", "province": "jilin", "county": "", "contact": "", "active": True},
            expected_version=1,
        ),
    )
    assert row.history_user_id == sup_a.pk
    goal, row = one_more(
        PlanGoal,
        lambda: services.add_goal(child=case_a, by=cw_a, values={"area": "medical", "text": "t", "responsible": cw_a}),
    )
    _, row = one_more(
        PlanGoal,
        lambda: services.update_goal(
            goal=goal,
            by=cw_a,
            values={"area": "medical", "text": "t", "status": "dropped", "responsible": cw_a},
            expected_version=1,
            reason="moved away",
        ),
    )
    assert (row.history_user_id, row.status, row.history_change_reason) == (cw_a.pk, "dropped", "moved away")
    _, row = one_more(
        Service,
        lambda: services.record_service(
            child=case_a,
            by=cw_a,
            entry=services.ServiceEntry(kind="medicine", given_on=today, amount_yuan=Decimal("20")),
        ),
    )
    assert row.history_user_id == cw_a.pk
    referral, row = one_more(
        Referral,
        lambda: services.add_referral(child=case_a, by=cw_a, values={"partner": partner, "area": "medical"}),
    )
    _, row = one_more(
        Referral,
        lambda: services.override_consent(referral=referral, by=sup_a, reason="urgent surgery", expected_version=1),
    )
    assert (row.history_user_id, row.override_reason) == (sup_a.pk, "urgent surgery")
    _, row = one_more(
        Referral,
        lambda: services.change_referral_status(referral=referral, by=cw_a, status="sent", expected_version=2),
    )
    assert (row.history_user_id, row.status, row.status_changed_on) == (cw_a.pk, "sent", today)
    assert isinstance(row.status_changed_on, datetime.date)

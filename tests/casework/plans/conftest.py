import pytest

from casework.plans import services


@pytest.fixture
def partner_a(team_a, sup_a):
    return services.add_partner(
        team=team_a,
        by=sup_a,
        values={"name": "Hope primary school", "kind": "school", "province": "jilin", "contact": "Teacher Pak 139"},
    )


@pytest.fixture
def partner_b(team_b, sup_b):
    return services.add_partner(
        team=team_b, by=sup_b, values={"name": "Yanji clinic", "kind": "clinic", "province": "jilin"}
    )

"""The opportunity load's bulk mechanics keep the import's contract: the fast "unchanged" comparison, the
change feed written set-based, same-day history replaced, and owners/accounts checked without FK constraints."""

import datetime as dt
from decimal import Decimal

import pytest

from performance.importers.opportunities import clean_opportunities, load_opportunities
from performance.models import Opportunity, OpportunityHistory
from planning.models import Seller
from planning.selectors import missing_references
from spm.errors import DomainError
from spm.imports import read_csv
from spm.models import InputChange, Tenant
from spm.tenancy.db import tenant_atomic
from tests.performance.importers.test_commands import HEADER, SELLERS, run_json, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def newco(tmp_path):
    run_json("import_sellers", write(tmp_path, "s.csv", SELLERS), tenant="newco")
    return Tenant.objects.get(slug="newco")

CATEGORY = f"""{HEADER},forecast_category
D-1,Acme,ann@x.com,Proposal,4821,USD,2026-01-05,2026-04-10,false,false,commit
D-2,,bob@x.com,Discovery,1000.50,USD,2026-03-01,,false,false,
"""


def _deal(tenant, ext):
    with tenant_atomic(tenant):
        return Opportunity.objects.values("amount", "forecast_category", "is_closed", "product").get(external_id=ext)


def test_blank_category_is_unchanged_until_the_state_changes(newco, tmp_path):
    run_json("import_opportunities", write(tmp_path, "o.csv", CATEGORY), tenant="newco", as_of="2026-03-05")
    assert _deal(newco, "D-2")["forecast_category"] == "pipeline"  # blank on a new deal: follows the state
    # 4821.00 equals 4821, the blank category keeps the stored one while the state is the same: unchanged.
    same = CATEGORY.replace(",4821,", ",4821.00,")
    report = run_json("import_opportunities", write(tmp_path, "o2.csv", same), tenant="newco", as_of="2026-03-06")
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 2)
    # D-2 is lost now: its blank category follows the new state (an update with history).
    lost = CATEGORY.replace("D-2,,bob@x.com,Discovery,1000.50,USD,2026-03-01,,false,false,",
                            "D-2,,bob@x.com,Closed Lost,1000.50,USD,2026-03-01,2026-03-07,false,true,")
    report = run_json("import_opportunities", write(tmp_path, "o3.csv", lost), tenant="newco", as_of="2026-03-07")
    assert (report["updated"], report["unchanged"]) == (1, 1)
    assert _deal(newco, "D-2")["forecast_category"] == "omitted"


def test_columns_absent_from_the_file_keep_the_stored_values(newco, tmp_path):
    run_json("import_opportunities", write(tmp_path, "o.csv", CATEGORY), tenant="newco")
    with tenant_atomic(newco):
        Opportunity.objects.filter(external_id="D-1").update(product="Widget")
    # The file has no product column: the stored product is kept and the deal is unchanged.
    report = run_json("import_opportunities", write(tmp_path, "o2.csv", CATEGORY), tenant="newco")
    assert report["unchanged"] == 2
    assert _deal(newco, "D-1")["product"] == "Widget"


def test_a_second_import_on_the_same_day_replaces_that_days_history_row(newco, tmp_path):
    run_json("import_opportunities", write(tmp_path, "o.csv", CATEGORY), tenant="newco", as_of="2026-03-05")
    bigger = CATEGORY.replace(",4821,", ",5000,")
    report = run_json("import_opportunities", write(tmp_path, "o2.csv", bigger), tenant="newco", as_of="2026-03-05")
    assert report["updated"] == 1
    with tenant_atomic(newco):
        rows = list(OpportunityHistory.objects.filter(opportunity__external_id="D-1").values_list("as_of", "amount"))
    assert rows == [(dt.date(2026, 3, 5), Decimal("5000.00"))]


def test_the_change_feed_names_each_month_with_its_own_sellers_and_their_managers(newco, tmp_path):
    won = f"""{HEADER}
W-1,Acme,ann@x.com,Closed Won,100,USD,2026-01-05,2026-02-10,true,true
W-2,Acme,bob@x.com,Closed Won,200,USD,2026-01-05,2026-03-10,true,true
"""
    run_json("import_opportunities", write(tmp_path, "w.csv", won), tenant="newco")
    with tenant_atomic(newco):
        ids = dict(Seller.objects.values_list("email", "id"))
        rows = set(InputChange.objects.values_list("seller_id", "month"))
    assert rows == {(ids["ann@x.com"], "2026-02"), (ids["mia@x.com"], "2026-02"),
                    (ids["bob@x.com"], "2026-03"), (ids["mia@x.com"], "2026-03")}


def test_an_owner_that_no_longer_exists_is_refused_and_nothing_is_written(newco):
    table, _ = read_csv(CATEGORY.encode(), file="o.csv")
    with tenant_atomic(newco):
        ids = dict(Seller.objects.values_list("email", "id"))
        assert missing_references(seller_ids=[ids["ann@x.com"], 10**9], account_ids=[None, 10**9]) == ({10**9}, {10**9})
        owners = {**ids, "bob@x.com": 10**9}  # as if bob had been deleted after the file was checked
        clean, errors = clean_opportunities(table, owner_ids=owners)
        assert errors == []
        with pytest.raises(DomainError) as exc:
            load_opportunities(clean, account_ids=[None, None], as_of=dt.date(2026, 3, 5))
        assert exc.value.field == "owner_email"
        assert not Opportunity.objects.exists()

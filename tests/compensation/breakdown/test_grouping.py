"""The grouped statement, pure: one row per deal, components side by side, subtotals, words."""

from decimal import Decimal

from compensation.breakdown.grouping import breakdown_csv_rows, explain, group_statement

D = Decimal


def line(**kw):
    base = {"deal": "", "opportunity_id": None, "deal_name": "", "component": "", "kind": "commission", "credit": None,
            "quota": None, "quota_period": "", "attainment_before": None, "attainment_after": None, "rate": None,
            "amount": D("0.00"), "explanation": ""}
    return {**base, **kw}


LINES = [
    line(deal="D1", deal_name="Initech", component="New business", credit=D("60000"), quota=D("100000"),
         quota_period="2027-Q1", attainment_before=D("0"), attainment_after=D("0.6"), rate=D("0.10"),
         amount=D("6000.00"), explanation="Deal D1 … → 6,000.00"),
    line(deal="D1", deal_name="Initech", component="Quota bonus", credit=D("60000"), quota=D("400000"),
         quota_period="2027", attainment_before=D("0"), attainment_after=D("0.15"), rate=D("1.0"), amount=D("1125.00")),
    line(deal="D2", deal_name="Globex", component="New business", credit=D("50000"), quota=D("100000"),
         quota_period="2027-Q1", attainment_before=D("0.6"), attainment_after=D("1.1"), rate=D("0.15"),
         amount=D("5500.00")),
    line(deal="D2", component="Q1 SPIF", kind="spif", amount=D("1000.00"), explanation="SPIF …"),
    line(component="Adjustment", kind="adjustment", amount=D("-200.00"), explanation="Correction"),
    line(component="Draw", kind="draw", amount=D("0.00")),
]


def test_each_deal_is_one_row_with_its_components_side_by_side():
    b = group_statement(LINES)
    assert b.components == ["New business", "Quota bonus", "Q1 SPIF"]
    assert [(d.deal, d.total) for d in b.deals] == [("D1", D("7125.00")), ("D2", D("6500.00"))]
    d1, d2 = b.deals
    assert [c.amount if c else None for c in d1.ordered] == [D("6000.00"), D("1125.00"), None]
    assert [c.amount if c else None for c in d2.ordered] == [D("5500.00"), None, D("1000.00")]
    assert d1.name == "Initech" and d1.credit == D("60000")


def test_subtotals_per_component_and_attainment_before_and_after():
    b = group_statement(LINES)
    summary = {s.component: (s.subtotal, s.attainment_before, s.attainment_after, s.quota_period) for s in b.summaries}
    assert summary["New business"] == (D("11500.00"), D("0"), D("1.1"), "2027-Q1")
    assert summary["Quota bonus"] == (D("1125.00"), D("0"), D("0.15"), "2027")
    assert summary["Q1 SPIF"] == (D("1000.00"), None, None, "")
    assert b.deal_total == D("13625.00") and b.other_total == D("-200.00") and b.total == D("13425.00")
    assert [o["kind"] for o in b.other] == ["adjustment", "draw"]


def test_explanation_in_words_falls_back_to_the_structured_fields():
    assert explain(LINES[0]) == "Deal D1 … → 6,000.00"
    assert explain(LINES[2]) == ("Deal D2 credited 50,000.00 of a 100,000.00 quota for 2027-Q1: attainment 60% → 110% "
                                 "at 15% → 5,500.00")
    assert explain(line(kind="draw", amount=D("300.00"))) == "Draw paid up to the guaranteed amount: 300.00"


def test_csv_rows_have_a_column_per_component_and_a_subtotal_row():
    rows = breakdown_csv_rows(group_statement(LINES), currency="USD")
    assert rows[0] == ["deal", "deal_name", "credit", "New business", "Quota bonus", "Q1 SPIF", "deal_total", "currency"]
    assert rows[1] == ["D1", "Initech", "60000", "6000.00", "1125.00", "", "7125.00", "USD"]
    assert rows[-2] == ["", "Subtotal", "", "11500.00", "1125.00", "1000.00", "13625.00", "USD"]
    assert rows[-1] == ["", "Total", "", "", "", "", "13425.00", "USD"]

"""A partitioned run's input fingerprint hashes each deal's repr made straight from its row
(`partitions.deal_repr`), not from a `Deal`: the text must be the `Deal`'s repr, or the fingerprint of the same
inputs would change with the number of partitions."""
import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from compensation.services.partitions import deal_repr, deals_from_rows

SELLERS = {1: "S-1", 2: "s'2", 3: 'S "3" ü', 4: "S\\4"}
text = st.text(min_size=1, max_size=12)
money = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), allow_nan=False, places=2)
pct = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), allow_nan=False, places=3)


@settings(max_examples=300, deadline=None, database=None)
@given(key=text, owner=st.sampled_from(sorted(SELLERS)), amount=money | st.just(Decimal("1E+3")), currency=text,
       close=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)), deal_type=text,
       splits=st.lists(st.tuples(st.sampled_from(sorted(SELLERS)), pct), max_size=3, unique_by=lambda s: s[0]))
def test_deal_repr_is_the_deals_repr(key, owner, amount, currency, close, deal_type, splits):
    row = (7, key, owner, amount, currency, close, deal_type)
    split_rows = [(7, seller, p) for seller, p in sorted(splits)]
    (deal,), ids = deals_from_rows([row], split_rows, SELLERS)
    assert ids == {key: 7}
    assert deal_repr(row, [(SELLERS[s], p / 100) for _, s, p in split_rows], SELLERS) == repr(deal)

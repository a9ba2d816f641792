"""Opportunities from any CRM: canonical columns `external_id,account,owner_email,stage,amount,currency,
created_date,close_date,is_won,is_closed` (optional `product,team,region,forecast_category,probability,name,deal_type,
contract_term_months`), upserted on external id; extra columns are ignored.

read (`spm.imports.read_csv`) → clean (`clean_opportunities`, pure: the column table, then the row rules:
one row per external id, a won deal is closed, a closed deal has a close date) → load
(`load_opportunities`: bulk, in the caller's tenant transaction, one audit record with the counts).

The load compares each row with the stored deal once parsed (4821 equals 4821.00): equal rows are
`unchanged` and write nothing. It records `OpportunityHistory` dated `as_of` for every new deal and
every change of stage, amount, close date or owner (a second import on the same day replaces that
day's row), a `StageChange` for every stage move of a known deal (a new deal's first stage is its
first history row, not a move: a million-row first import writes no million stage changes), and creates the tenant's
`PipelineStage` for a stage name on first sight.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter

from django.db import connection

from performance.models import (
    Opportunity,
    OpportunityHistory,
    OpportunitySplit,
    PipelineStage,
    StageChange,
    default_forecast_category,
)
from performance.pipeline.summaries import pipeline_summaries_refresh
from performance.services import MAX_TERM_MONTHS
from planning.selectors import missing_references
from planning.services import seller_months_changed
from spm.audit import audit_record
from spm.db.bulk import bulk_insert, bulk_update
from spm.errors import DomainError
from spm.imports import CellError, CleanTable, Column, ImportReport, RawTable, RowError, bulk_allocations, clean_table
from spm.imports.table import parse_bool, parse_choice, parse_currency, parse_date, parse_decimal, parse_text
from spm.tenancy.context import current_tenant

CATEGORIES = {
    "pipeline": "pipeline", "best_case": "best_case", "best case": "best_case", "upside": "best_case",
    "commit": "commit", "committed": "commit", "closed": "closed", "omitted": "omitted", "omit": "omitted",
}
DEAL_TYPES = {"new_logo": "new_logo", "new logo": "new_logo", "new business": "new_logo", "new": "new_logo",
              "expansion": "expansion", "upsell": "expansion", "renewal": "renewal"}
_AMOUNT_FIELD = Opportunity._meta.get_field("amount")
_AMOUNT_WHOLE_DIGITS = _AMOUNT_FIELD.max_digits - _AMOUNT_FIELD.decimal_places
_fraction = parse_decimal(minimum=Decimal(0), maximum=Decimal(100), places=4, what="a probability")


def parse_probability(value: str) -> Decimal:
    """0..1, or a percentage (`40%`, or a number above 1 up to 100)."""
    percent = value.endswith("%")
    number = _fraction(value.rstrip("%").strip())
    if percent or number > 1:
        number = (number / 100).quantize(Decimal("0.0001"))
    return number


_WHOLE = re.compile(r"\+?(\d{1,6})(?:\.0*)?")


def parse_contract_term(value: str) -> int:
    """Whole months, 1..120 (`36`, or `36.0` as spreadsheets write it); commission accounting capitalises
    the commissions of contracts longer than 12 months (compensation.accounting)."""
    whole = _WHOLE.fullmatch(value)
    if whole is None:
        raise CellError("not a whole number of months (e.g. 36)")
    months = int(whole.group(1))
    if not 1 <= months <= MAX_TERM_MONTHS:
        raise CellError(f"a contract term must be 1 to {MAX_TERM_MONTHS} months (is {value})")
    return months


def opportunity_columns(*, owner_ids: dict[str, int], base_currency: str) -> list[Column]:
    """The column table; `owner_ids` is {lower-case e-mail: seller id} of the tenant (plain data)."""

    def owner(value: str) -> int:
        pk = owner_ids.get(value.lower())
        if pk is None:
            raise CellError("unknown owner: no seller of the tenant has this e-mail (import the sellers first)")
        return pk

    return [
        Column("external_id", parse_text(64), aliases=("id", "opportunity_id", "deal_id", "opportunityid")),
        Column("account", parse_text(200), blank=None, aliases=("account_name", "company", "customer")),
        Column("owner_email", owner, aliases=("owner", "owner_e_mail", "sales_rep_email", "rep_email")),
        Column("stage", parse_text(100), aliases=("deal_stage", "stage_name", "status")),
        Column("amount", parse_decimal(minimum=Decimal(0), what="an amount", whole_digits=_AMOUNT_WHOLE_DIGITS),
               aliases=("value", "deal_value", "close_value", "arr", "acv")),
        Column("currency", parse_currency, blank=base_currency, aliases=("currency_code", "iso_currency")),
        Column("created_date", parse_date, blank=None, aliases=("created", "create_date", "engage_date", "created_at")),
        Column("close_date", parse_date, blank=None, aliases=("closed_date", "expected_close", "close")),
        Column("is_won", parse_bool, aliases=("won",)),
        Column("is_closed", parse_bool, aliases=("closed",)),
        Column("product", parse_text(100), required=False, blank="", aliases=("product_name",)),
        Column("team", parse_text(100), required=False, blank="", aliases=("sales_team",)),
        Column("region", parse_text(50), required=False, blank="", aliases=("territory",)),
        Column("forecast_category", parse_choice(CATEGORIES, "forecast category"), required=False, blank=None,
               aliases=("forecast", "category")),
        Column("probability", parse_probability, required=False, blank=None, aliases=("win_probability",)),
        Column("name", parse_text(200), required=False, blank="", aliases=("opportunity_name", "deal_name")),
        Column("deal_type", parse_choice(DEAL_TYPES, "deal type"), required=False, blank="new_logo",
               aliases=("type", "opportunity_type")),
        # blank = unknown (accounting then expenses the commission, the practical expedient)
        Column("contract_term_months", parse_contract_term, required=False, blank=None,
               aliases=("contract_term", "term_months", "term", "contract_length", "contract_length_months",
                        "contract_months", "term_in_months", "contract_term_in_months", "subscription_term")),
    ]


def clean_opportunities(table: RawTable, *, owner_ids: dict[str, int], base_currency: str = "USD",
                        mapping: dict | None = None,
                        fx_from: dict[str, dt.date] | None = None) -> tuple[CleanTable, list[RowError]]:
    """Parse `table` and apply the row rules; every error is collected (nothing stops at the first).

    `fx_from`: {currency: its first FX rate's date} of a tenant that converts currencies (empty or
    None: a single-currency tenant, nothing checked). A deal in a currency with no rate at all is
    refused: once won and credited, every calculation of the tenant would fail on it ("no FX rate
    for …"), long after the import said it succeeded."""
    clean, errors = clean_table(table, opportunity_columns(owner_ids=owner_ids, base_currency=base_currency),
                                mapping=mapping)
    v = clean.values
    bad = {(e.line, e.column) for e in errors}
    lines = clean.lines

    def raw(r: int, column: str) -> str:  # the cell as written (`1`, ` D-1`), not as parsed
        return table.cell(r, column, mapping)

    externals = v["external_id"]
    if len(set(externals)) < len(externals):  # a duplicate (or refused ids): name each repeat and its first line
        first: dict[str, int] = {}
        for r, (line, ext) in enumerate(zip(lines, externals, strict=True)):
            if ext is None:
                continue
            if ext in first:
                errors.append(RowError(line=line, column="external_id", value=raw(r, "external_id"), file=table.file,
                                       message=f"external id appears twice in the file (first on line {first[ext]})"))
            else:
                first[ext] = line
    # The row rules, row by row only where they are broken (errors are sorted by line and column below).
    for r in [r for r, (won, closed) in enumerate(zip(v["is_won"], v["is_closed"], strict=True)) if won and closed is False]:
        errors.append(RowError(line=lines[r], column="is_won", value=raw(r, "is_won"), file=table.file,
                               message="a won deal must be closed (is_closed is false)"))
    if "close_date" in clean.present:
        for r in [r for r, (closed, close) in enumerate(zip(v["is_closed"], v["close_date"], strict=True))
                  if closed and close is None]:
            if (lines[r], "close_date") not in bad:
                errors.append(RowError(line=lines[r], column="close_date", value="", file=table.file,
                                       message="a closed deal needs a close date (blank means unknown only on open deals)"))
    if fx_from:
        errors.extend(_currency_errors(clean, base_currency=base_currency, fx_from=fx_from, bad=bad, file=table.file,
                                       raw=raw))
    errors.sort(key=lambda e: (e.line, e.column))
    return clean, errors


def _currency_errors(clean: CleanTable, *, base_currency: str, fx_from: dict[str, dt.date], bad: set,
                     file: str, raw: Callable[[int, str], str]) -> list[RowError]:
    # Only a currency the tenant has no rate for at all (a typo, or a rate never loaded). A won deal
    # closed before its currency's first rate is left to the calculation: a deal of years no plan
    # covers is never converted, and a real file of history would be refused for it.
    out = []
    for r, (line, ccy) in enumerate(zip(clean.lines, clean.values["currency"], strict=True)):
        if ccy is None or ccy == base_currency or (line, "currency") in bad:
            continue
        if ccy not in fx_from:
            out.append(RowError(line=line, column="currency", value=raw(r, "currency"), file=file, message=(
                f"no FX rate for {ccy} (base currency {base_currency}): load its rate first, or correct the currency; "
                "a deal in it would stop every calculation")))
    return out


def _history_rows(history, as_of, fields, stored, tenant_id: int, *, new: bool) -> None:
    """Elsewhere (SQLite): the same rows built here, inserted or replacing that day's row."""
    ids = ({ext: pk for ext, (pk, _) in stored.items()} if not new
           else dict(Opportunity.objects.order_by().values_list("external_id", "id").iterator(chunk_size=50000)))
    same_day = dict(OpportunityHistory.objects.filter(as_of=as_of).values_list("opportunity_id", "id"))
    idx = [_IDX[f] for f in fields]
    inserts, replaces = [], []
    for ext, values, _ in history:
        pk = ids[ext]
        row = tuple(values[i] for i in idx)
        if pk in same_day:
            replaces.append((same_day[pk], *row))
        else:
            inserts.append((pk, as_of, *row))
    if inserts:
        bulk_insert(OpportunityHistory, ["opportunity_id", "as_of", *fields], inserts, tenant_id=tenant_id)
    if replaces:
        bulk_update(OpportunityHistory, fields, replaces)


def _stored_deals() -> dict[str, tuple[int, tuple]]:
    """{external id: (id, FIELDS values)} of the tenant's deals (the row-by-row load)."""
    rows = Opportunity.objects.order_by().values_list("id", "external_id", *FIELDS).iterator(chunk_size=20000)
    return {row[1]: (row[0], row[2:]) for row in rows}


# The stored columns compared and written, in this order (account is resolved to an id by the caller).
FIELDS = ("owner_id", "account_id", "stage", "amount", "currency", "created_date", "close_date", "is_closed",
          "is_won", "product", "team", "region", "forecast_category", "probability", "name", "deal_type",
          "contract_term_months")
OPTIONAL = ("product", "team", "region", "forecast_category", "probability", "name", "deal_type",
            "contract_term_months")
_IDX = {f: i for i, f in enumerate(FIELDS)}
_HISTORY_KEYS = [_IDX[f] for f in ("stage", "amount", "close_date", "owner_id")]
_PAY_KEYS = [_IDX[f] for f in ("owner_id", "amount", "currency", "close_date", "is_won")]


@dataclass
class OpportunityLoad:
    """What a load did: the counts, and the months whose won deals changed (what Pay recalculates)."""

    report: ImportReport
    pay_months: set[str] = field(default_factory=set)
    history_rows: int = 0
    stage_changes: int = 0
    new_stages: list[str] = field(default_factory=list)
    pay: dict[str | None, set[int]] = field(default_factory=dict)  # month → sellers whose credits changed
    touched: set[int] = field(default_factory=set)  # owners whose pipeline summary moves


def _month(d: dt.date | None) -> str | None:
    return f"{d.year:04d}-{d.month:02d}" if d else None


H_FIELDS = ("stage", "amount", "currency", "close_date", "owner_id", "forecast_category", "is_closed", "is_won")


def _file_columns(clean: CleanTable, account_ids: list[int | None]) -> list[list]:
    """The file's values in FIELDS order (account resolved to ids by the caller)."""
    v = clean.values
    return [account_ids if f == "account_id" else v["owner_email" if f == "owner_id" else f] for f in FIELDS]


def _load_rows(clean: CleanTable, *, account_ids: list[int | None], keep: set[int], as_of: dt.date, tenant_id: int,
               say: Callable[[int, str], None]) -> OpportunityLoad:
    """Compare and write row by row in Python (SQLite, the embedded demo): the reference behaviour the
    set-based PostgreSQL load (`_load_set_based`) reproduces."""
    v = clean.values
    n = len(clean)
    stored = _stored_deals()
    say(30, "compared with the stored deals")
    new_rows: list[tuple] = []
    changed: list[tuple] = []
    history: list[tuple[str, tuple, str]] = []  # (external id, values, old stage or "")
    pay: dict[str | None, set[int]] = defaultdict(set)  # month → sellers whose credits changed
    split_sellers = _split_sellers()
    updated = 0
    touched: set[int] = set()  # owners whose pipeline summary moves
    fc = _IDX["forecast_category"]
    # The file's columns (the kept ones take the stored value): a known deal whose category is given
    # or kept and whose file columns equal the stored ones is unchanged, without building its row.
    same = itemgetter(*(i for i in range(len(FIELDS)) if i not in keep))
    fc_kept = fc in keep
    for ext, row in zip(v["external_id"], zip(*_file_columns(clean, account_ids), strict=True), strict=True):
        old = stored.get(ext)
        if old is not None and (fc_kept or row[fc] is not None) and same(row) == same(old[1]):
            continue
        values = list(row)
        if old is None:
            if values[fc] is None:
                values[fc] = default_forecast_category(values[_IDX["is_closed"]], values[_IDX["is_won"]])
            values = tuple(values)
            new_rows.append((ext, *values))
            history.append((ext, values, ""))
            touched.add(values[_IDX["owner_id"]])
            if values[_IDX["is_won"]]:
                pay[_month(values[_IDX["close_date"]])].add(values[_IDX["owner_id"]])
            continue
        pk, old_values = old
        for i in keep:
            values[i] = old_values[i]
        if values[fc] is None:
            state_changed = (values[_IDX["is_closed"]], values[_IDX["is_won"]]) != (
                old_values[_IDX["is_closed"]], old_values[_IDX["is_won"]])
            values[fc] = default_forecast_category(values[_IDX["is_closed"]], values[_IDX["is_won"]]) if state_changed else old_values[fc]
        values = tuple(values)
        if values == old_values:
            continue
        updated += 1
        touched.update((values[_IDX["owner_id"]], old_values[_IDX["owner_id"]]))
        changed.append((pk, *values))
        if any(values[i] != old_values[i] for i in _HISTORY_KEYS):
            history.append((ext, values, old_values[_IDX["stage"]]))
        if (values[_IDX["is_won"]] or old_values[_IDX["is_won"]]) and any(
                values[i] != old_values[i] for i in _PAY_KEYS):
            splits = split_sellers.get(pk, ())
            if values[_IDX["is_won"]]:
                pay[_month(values[_IDX["close_date"]])].update((values[_IDX["owner_id"]], *splits))
            if old_values[_IDX["is_won"]]:
                pay[_month(old_values[_IDX["close_date"]])].update((old_values[_IDX["owner_id"]], *splits))
    result = OpportunityLoad(report=ImportReport(rows=n, created=len(new_rows), updated=updated,
                                                 unchanged=n - len(new_rows) - updated), pay=pay, touched=touched)
    if new_rows:
        bulk_insert(Opportunity, ["external_id", *FIELDS], new_rows, tenant_id=tenant_id)
    say(65, f"{len(new_rows):,} new deals written")
    if changed:
        bulk_update(Opportunity, FIELDS, changed)
    say(75, f"{len(changed):,} changed deals written")
    if history:
        _history_rows(history, as_of, list(H_FIELDS), stored, tenant_id, new=bool(new_rows))
        result.history_rows = len(history)
        at = dt.datetime.combine(as_of, dt.time(0), tzinfo=dt.UTC)
        moves = [(stored[ext][0], old, values[_IDX["stage"]], at) for ext, values, old in history
                 if old and values[_IDX["stage"]] != old]
        result.stage_changes = bulk_insert(StageChange, ["opportunity_id", "from_stage", "to_stage", "changed_at"],
                                           moves, tenant_id=tenant_id)
    return result


def _split_sellers() -> dict[int, list[int]]:
    split_sellers: dict[int, list[int]] = defaultdict(list)
    for deal_id, seller_id in OpportunitySplit.objects.values_list("opportunity_id", "seller_id"):
        split_sellers[deal_id].append(seller_id)
    return split_sellers


# default_forecast_category in SQL, its values taken from it so the two cannot drift apart.
_CATEGORY_SQL = (f"CASE WHEN s.is_closed THEN CASE WHEN s.is_won THEN '{default_forecast_category(True, True)}' "
                 f"ELSE '{default_forecast_category(True, False)}' END ELSE '{default_forecast_category(False, False)}' END")


def _load_set_based(clean: CleanTable, *, account_ids: list[int | None], keep: set[int], as_of: dt.date,
                    tenant_id: int, say: Callable[[int, str], None]) -> OpportunityLoad:
    """PostgreSQL: the same compare and writes as `_load_rows`, set-based. The file's rows are COPYed
    once to a staging table; the known deals that differ are found in SQL (`IS DISTINCT FROM` the
    stored columns, with the kept and category rules of `_load_rows`), so no stored deal is read into
    Python; new deals are one INSERT … SELECT whose RETURNING feeds their history in the same
    statement; changed deals are one UPDATE … FROM, their history and stage changes come from the
    same staging rows. Only aggregates (counts, owners, months) come back."""
    meta = Opportunity._meta
    opp = meta.db_table
    col = {f: meta.get_field(f.removesuffix("_id")).column for f in FIELDS}
    cols = [col[f] for f in FIELDS]
    n = len(clean)
    at = dt.datetime.combine(as_of, dt.time(0), tzinfo=dt.UTC)
    history_table = OpportunityHistory._meta.db_table
    h_cols = ", ".join(col[f] for f in H_FIELDS)
    fc = col["forecast_category"]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS _opp_in")
        cursor.execute(f"CREATE TEMP TABLE _opp_in ON COMMIT DROP AS SELECT external_id, {', '.join(cols)} "
                       f"FROM {opp} WITH NO DATA")  # the column types, without NOT NULL (the category may be blank)
        cursor.execute("SELECT atttypid FROM pg_attribute WHERE attrelid = '_opp_in'::regclass AND attnum > 0 "
                       "AND NOT attisdropped ORDER BY attnum")
        types = [oid for (oid,) in cursor.fetchall()]
        # Binary COPY with the column types given once: about 40 % less Python per row than text COPY
        # (psycopg picks no dumper per value).
        with cursor.copy(f"COPY _opp_in (external_id, {', '.join(cols)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            write = copy.write_row
            for row in zip(clean.values["external_id"], *_file_columns(clean, account_ids), strict=True):
                write(row)
        say(30, "file staged")
        # A tenant's first import (no deal yet) has nothing to compare with: every row is new.
        # The probes are ORDER BY an index's key with LIMIT 1: a plain EXISTS lets the planner seq-scan the
        # shared table whenever its statistics call the tenant big (0.3–0.5 s through a bloated table).
        cursor.execute(f"SELECT 1 FROM {opp} WHERE tenant_id = %s ORDER BY tenant_id, external_id LIMIT 1",
                       [tenant_id])
        had_deals = cursor.fetchone() is not None

        # Known deals whose stored columns differ from the file's, with both versions.
        def new_value(f: str) -> str:
            c = col[f]
            if _IDX[f] in keep:
                return f"t.{c}"
            if f == "forecast_category":
                return (f"COALESCE(s.{c}, CASE WHEN (s.is_closed, s.is_won) IS DISTINCT FROM (t.is_closed, t.is_won) "
                        f"THEN {_CATEGORY_SQL} ELSE t.{c} END)")
            return f"s.{c}"

        new_cols = ", ".join(f"{new_value(f)} AS {col[f]}" for f in FIELDS)
        old_cols = ", ".join(f"t.{c} AS o_{c}" for c in cols)
        updated = known = 0
        if had_deals:
            join = (f"SELECT t.id, {new_cols}, {old_cols} FROM _opp_in s JOIN {opp} t "
                    f"ON t.tenant_id = %s AND t.external_id = s.external_id")
            cursor.execute("DROP TABLE IF EXISTS _opp_changed")
            cursor.execute(f"CREATE TEMP TABLE _opp_changed ON COMMIT DROP AS {join} WITH NO DATA", [tenant_id])
            # The one pass over the join also counts the known deals: when every row of the file is
            # known (a re-import, a file of updates) the new-deal INSERT and its anti-join are skipped.
            cursor.execute(
                f"WITH j AS ({join}), changed AS (INSERT INTO _opp_changed SELECT * FROM j "
                f"WHERE ({', '.join(cols)}) IS DISTINCT FROM ({', '.join('o_' + c for c in cols)}) RETURNING 1) "
                "SELECT (SELECT count(*) FROM j), (SELECT count(*) FROM changed)",
                [tenant_id],
            )
            known, updated = cursor.fetchone()
        say(40, "compared with the stored deals")

        # A plain INSERT when the day has no history yet (the usual case): ON CONFLICT's speculative
        # insertion costs about a third more per row, and can only matter on a same-day re-import.
        cursor.execute(f"SELECT as_of FROM {history_table} WHERE tenant_id = %s AND as_of >= %s "
                       "ORDER BY as_of LIMIT 1", [tenant_id, as_of])  # a range, so the order is the index's
        same_day = cursor.fetchone() == (as_of,)
        conflict = (" ON CONFLICT (tenant_id, opportunity_id, as_of) DO UPDATE SET "
                    + ", ".join(f"{col[f]} = EXCLUDED.{col[f]}" for f in H_FIELDS)) if same_day else ""

        # New deals, their history from the same statement; back: per owner, the won months and a count.
        new_cols = ", ".join(f"COALESCE(s.{c}, {_CATEGORY_SQL})" if c == fc else f"s.{c}" for c in cols)
        rows = []
        if known < n:  # some rows of the file are new deals
            cursor.execute(
                f"WITH ins AS (INSERT INTO {opp} (tenant_id, external_id, {', '.join(cols)}) "
                f"SELECT %s, s.external_id, {new_cols} FROM _opp_in s"
                + (f" WHERE NOT EXISTS (SELECT 1 FROM {opp} t WHERE t.tenant_id = %s AND t.external_id = s.external_id)"
                   if had_deals else "")
                + f" RETURNING id, {h_cols}), "
                f"hist AS (INSERT INTO {history_table} (tenant_id, opportunity_id, as_of, {h_cols}) "
                f"SELECT %s, id, %s, {h_cols} FROM ins{conflict}) "
                f"SELECT owner_id, CASE WHEN is_won THEN close_date END, count(*) FROM ins "
                f"GROUP BY owner_id, CASE WHEN is_won THEN close_date END",
                [tenant_id, *([tenant_id] if had_deals else []), tenant_id, as_of],
            )
            rows = cursor.fetchall()
        pay: dict[str | None, set[int]] = defaultdict(set)  # month → sellers whose credits changed
        touched: set[int] = set()  # owners whose pipeline summary moves
        created = 0
        for owner, won_close, count in rows:
            created += count
            touched.add(owner)
            if won_close is not None:
                pay[_month(won_close)].add(owner)
        say(65, f"{created:,} new deals written")

        result = OpportunityLoad(report=ImportReport(rows=n, created=created, updated=updated,
                                                     unchanged=n - created - updated), pay=pay, touched=touched)
        if not updated:
            return result
        cursor.execute(f"UPDATE {opp} AS t SET {', '.join(f'{c} = c.{c}' for c in cols)} "
                       "FROM _opp_changed AS c WHERE t.id = c.id")
        say(75, f"{updated:,} changed deals written")
        hist_changed = " OR ".join(f"{col[f]} IS DISTINCT FROM o_{col[f]}" for f in ("stage", "amount", "close_date",
                                                                                      "owner_id"))
        cursor.execute(f"INSERT INTO {history_table} (tenant_id, opportunity_id, as_of, {h_cols}) "
                       f"SELECT %s, id, %s, {h_cols} FROM _opp_changed WHERE {hist_changed}{conflict}",
                       [tenant_id, as_of])
        result.history_rows = created + cursor.rowcount
        say(80, "history of changed deals written")
        cursor.execute(f"INSERT INTO {StageChange._meta.db_table} (tenant_id, opportunity_id, from_stage, to_stage, "
                       "changed_at) SELECT %s, id, o_stage, stage, %s FROM _opp_changed WHERE stage <> o_stage",
                       [tenant_id, at])
        result.stage_changes = cursor.rowcount
        say(85, "stage changes written")
        cursor.execute("SELECT DISTINCT unnest(ARRAY[owner_id, o_owner_id]) FROM _opp_changed")
        touched.update(owner for (owner,) in cursor.fetchall())
        pay_changed = " OR ".join(f"{col[f]} IS DISTINCT FROM o_{col[f]}" for f in ("owner_id", "amount", "currency",
                                                                                   "close_date", "is_won"))
        cursor.execute(f"SELECT id, owner_id, close_date, is_won, o_owner_id, o_close_date, o_is_won FROM _opp_changed "
                       f"WHERE (is_won OR o_is_won) AND ({pay_changed})")
        won_changes = cursor.fetchall()
    if won_changes:
        split_sellers = _split_sellers()
        for pk, owner, close, won, o_owner, o_close, o_won in won_changes:
            splits = split_sellers.get(pk, ())
            if won:
                pay[_month(close)].update((owner, *splits))
            if o_won:
                pay[_month(o_close)].update((o_owner, *splits))
    return result


@bulk_allocations()  # a million stored and file rows: no GC walks over them while the rows are built
def load_opportunities(
    clean: CleanTable,
    *,
    account_ids: list[int | None],
    as_of: dt.date,
    actor=None,
    progress: Callable[[int, str], None] | None = None,
) -> OpportunityLoad:
    """Upsert the clean rows (no errors) into the tenant in scope; the caller holds the transaction.

    `account_ids` is the account id per row (None: no account), resolved by the caller. Optional columns
    absent from the file keep the stored values (a new deal gets blank ones); the forecast category,
    when the file has none, follows the state for new deals and for deals whose state changed.
    """
    tenant = current_tenant()
    v = clean.values
    n = len(clean)
    if connection.vendor == "postgresql" and n > 10000:
        with connection.cursor() as cursor:  # the staging joins of a big file hash in memory, not on disk
            cursor.execute("SET LOCAL work_mem = '256MB'")
    present = clean.present
    say = progress or (lambda pct, msg: None)
    # The deal table has no FK constraints (per-row triggers cost seconds per 100,000 rows): the owners
    # and accounts about to be written are checked here, set-based, inside the load's transaction.
    owners, accounts = missing_references(seller_ids=v["owner_email"], account_ids=account_ids)
    if owners or accounts:
        what = "owner_email" if owners else "account"
        raise DomainError(f"{what}: {len(owners) + len(accounts)} owner(s) or account(s) of the file no longer exist "
                          "in this workspace (deleted during the import); nothing was imported", field=what)
    keep = {_IDX[f] for f in OPTIONAL if f not in present}
    # Stage names seen for the first time become the tenant's pipeline stages (in order of first sight).
    known = set(PipelineStage.objects.values_list("name", flat=True))
    new_stages: list[str] = []
    flags: dict[str, list[bool]] = {}
    for stage, closed, won in zip(v["stage"], v["is_closed"], v["is_won"], strict=True):
        if stage not in known:
            seen = flags.setdefault(stage, [True, True])
            seen[0] &= bool(closed)
            seen[1] &= bool(won)
    if flags:
        top = PipelineStage.objects.order_by("-position").values_list("position", flat=True).first() or 0
        bulk_insert(PipelineStage, ["name", "position", "is_closed", "is_won"],
                    [(name, top + i + 1, c, w) for i, (name, (c, w)) in enumerate(flags.items())], tenant_id=tenant.pk)
        new_stages = list(flags)
    say(45, "accounts and stages recorded")

    if connection.vendor == "postgresql":
        result = _load_set_based(clean, account_ids=account_ids, keep=keep, as_of=as_of, tenant_id=tenant.pk, say=say)
    else:
        result = _load_rows(clean, account_ids=account_ids, keep=keep, as_of=as_of, tenant_id=tenant.pk, say=say)
    result.new_stages = new_stages
    result.pay.pop(None, None)
    result.pay_months = set(result.pay)
    say(88, "deals written")
    pipeline_summaries_refresh(owner_ids=result.touched, norms=bool(result.stage_changes))
    say(92, "pipeline summaries refreshed")
    # The change feed: these sellers' months (and their managers') are now stale — one set-based write.
    seller_months_changed(sellers_by_month=result.pay, reason=f"import of {clean.file}"[:200])
    say(95, "change feed written")
    report = result.report
    audit_record(actor=actor, action="import.opportunities", instance=tenant, after={
        "file": clean.file, "as_of": as_of.isoformat(), "rows": report.rows, "created": report.created,
        "updated": report.updated, "unchanged": report.unchanged, "history": result.history_rows,
        "new_stages": result.new_stages,
    })
    return result

"""read → clean, the pure halves (no database)."""

import datetime as dt
from decimal import Decimal

import pytest

from performance.importers.opportunities import clean_opportunities, parse_probability
from spm.imports import Column, clean_table, errors_csv, guess_mapping, read_csv
from spm.imports.table import CellError, parse_choice, parse_date, parse_decimal

HEADER = "external_id,account,owner_email,stage,amount,currency,created_date,close_date,is_won,is_closed"
OWNERS = {"ann@x.com": 7}


def test_read_gives_physical_lines_even_with_quoted_newlines_and_drops_a_bom():
    table, errors = read_csv('\ufeffa,b\n1,"two\nlines"\n\n3,4\n'.encode(), file="f.csv")
    assert not errors
    assert table.header == ["a", "b"]
    assert table.rows == [["1", "two\nlines"], ["3", "4"]]
    assert table.lines == [2, 5]


def test_a_non_utf8_byte_is_named_by_line_and_character_column():
    data = b"a,b\nok,fine\nCaf" + b"\xe9,x\n"
    table, errors = read_csv(data, file="f.csv")
    assert table is None
    [error] = errors
    assert (error.line, error.column, error.value) == (3, "4", "0xe9")
    assert "UTF-8" in error.message or "utf-8" in error.message
    table, errors = read_csv(data, file="f.csv", encoding="latin-1")
    assert not errors and table.rows[1] == ["Café", "x"]


def test_an_unknown_encoding_and_an_empty_file_are_errors():
    assert read_csv(b"a\n1\n", encoding="klingon")[1][0].message == "unknown encoding 'klingon'"
    assert "empty" in read_csv(b"")[1][0].message


def test_clean_collects_every_error_and_ignores_extra_columns():
    table, _ = read_csv(f"{HEADER},notes\n"
                        "D1,Acme,ann@x.com,Won,12k,USD,2027-01-01,2027-13-01,true,true,x\n"
                        "D1,,bob@x.com,Open,-1,US,,,maybe,false,y\n".encode(), file="f.csv")
    clean, errors = clean_opportunities(table, owner_ids=OWNERS)
    found = {(e.line, e.column, e.value) for e in errors}
    assert found == {
        (2, "amount", "12k"), (2, "close_date", "2027-13-01"),
        (3, "external_id", "D1"), (3, "owner_email", "bob@x.com"), (3, "amount", "-1"), (3, "currency", "US"),
        (3, "is_won", "maybe"),
    }
    assert "notes" not in clean.values


def test_row_rules_won_must_be_closed_and_closed_needs_a_close_date():
    table, _ = read_csv(f"{HEADER}\nD1,,ann@x.com,Won,1,USD,,2027-01-01,true,false\n"
                        "D2,,ann@x.com,Lost,1,USD,,,false,true\nD3,,ann@x.com,Open,1,,,,false,false\n".encode())
    clean, errors = clean_opportunities(table, owner_ids=OWNERS, base_currency="EUR")
    assert [(e.line, e.column) for e in errors] == [(2, "is_won"), (3, "close_date")]
    assert clean.values["currency"][2] == "EUR"  # blank currency: the tenant's
    assert clean.values["close_date"][2] is None  # blank close on an open deal: unknown


def test_missing_required_columns_are_named_once_at_line_1():
    table, _ = read_csv(b"external_id,stage\nD1,Won\n")
    _, errors = clean_opportunities(table, owner_ids=OWNERS)
    assert {e.column for e in errors} == {"account", "owner_email", "amount", "currency", "created_date",
                                         "close_date", "is_won", "is_closed"}
    assert {e.line for e in errors} == {1}


def test_parsers_amount_equality_dates_and_probabilities():
    amount = parse_decimal(minimum=Decimal(0))
    assert amount("4821") == amount("4821.00") == Decimal("4821.00")
    assert amount("1,234.50") == Decimal("1234.50")
    # Sub-cent amounts round half up, as money does everywhere (DESIGN rule 10), not to the even cent.
    assert amount("4821.125") == Decimal("4821.13") and amount("0.005") == Decimal("0.01")
    assert amount("4821.124") == Decimal("4821.12")
    assert parse_date("2027-03-31") == dt.date(2027, 3, 31)
    assert parse_date("2027-03-31T10:00:00") == dt.date(2027, 3, 31)
    assert parse_probability("0.4") == parse_probability("40%") == parse_probability("40") == Decimal("0.4")


def test_mapping_is_guessed_from_headers_and_applied():
    cols = [Column("owner_email", str, aliases=("owner",)), Column("amount", str, aliases=("deal_value",))]
    mapping = guess_mapping(["Owner", "Deal Value", "Other"], cols)
    assert mapping == {"owner_email": "Owner", "amount": "Deal Value"}
    table, _ = read_csv(b"Owner,Deal Value\na@x.com,5\n")
    clean, errors = clean_table(table, cols, mapping=mapping)
    assert not errors and clean.values == {"owner_email": ["a@x.com"], "amount": ["5"]}


def test_error_file_lists_every_error():
    table, _ = read_csv(f"{HEADER}\nD1,,ann@x.com,S,x,USD,,,false,false\n".encode(), file="in.csv")
    _, errors = clean_opportunities(table, owner_ids=OWNERS)
    assert errors_csv(errors).splitlines() == [
        "file,line,column,value,message",
        "in.csv,2,amount,x,\"not an amount: use digits with an optional decimal point (no units, letters or symbols)\"",
    ]


def test_a_refused_choice_names_the_spellings_a_user_types():
    from planning.importers.sellers import ROLES

    role = parse_choice(ROLES, "role")
    assert role("Sales Rep") == "AE" and role("MANAGER") == "manager"
    with pytest.raises(CellError) as refused:
        role("boss")
    assert str(refused.value) == "not a known role: use one of rep (AE), sdr, csm, manager"

"""Big quote-free files are read by pandas' C reader: the same lines, cells, clean values and errors as
the csv module (the reference path), and every file it cannot read that way falls back."""

import pytest

from performance.importers.opportunities import clean_opportunities
from spm.imports import read_csv
from spm.imports import table as table_module

HEADER = "external_id,account,owner_email,stage,amount,currency,created_date,close_date,is_won,is_closed,product"
OWNERS = {"ann@x.com": 7, "bob@x.com": 8}


def _rows(n: int) -> list[str]:
    rows = []
    for i in range(n):
        owner = "ANN@x.com" if i % 3 else "bob@x.com"
        amount = ("4821", "4821.00", "1,200.50", "12k", "-5", " 7 ")[i % 6]
        rows.append(f"D-{i},Café {i % 9},{owner},Stage {i % 4},{amount},usd,2026-01-0{1 + i % 9},,false,false,Ünï {i}")
    rows[10] = "D-10,Acme,ann@x.com,Won"  # a short record: the missing cells are blank (required ones refused)
    rows[11] = rows[11] + ",an extra cell,and another"  # extra cells are ignored
    rows[12] = "D-1,Acme,nobody@x.com,Won,100,USD,2026-02-30,2026-03-01,true,true,"  # a duplicate id, owner, date
    return rows


def _read_both(text: str, monkeypatch):
    fast, fast_errors = read_csv(text.encode(), file="o.csv")
    monkeypatch.setattr(table_module, "FAST_MIN_LINES", 10**9)
    slow, slow_errors = read_csv(text.encode(), file="o.csv")
    return (fast, fast_errors), (slow, slow_errors)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_big_plain_file_reads_and_cleans_exactly_as_the_csv_module_does(monkeypatch, newline):
    text = newline.join([HEADER, *_rows(2500)]) + newline
    (fast, fast_errors), (slow, slow_errors) = _read_both(text, monkeypatch)
    assert fast.columns is not None and slow.columns is None  # the two paths were taken
    assert fast_errors == slow_errors == []
    assert (fast.header, fast.lines, len(fast)) == (slow.header, slow.lines, len(slow))
    assert fast.rows[11][:11] == slow.rows[11][:11] and fast.rows[10][:4] == slow.rows[10]
    fast_clean, fast_bad = clean_opportunities(fast, owner_ids=OWNERS)
    slow_clean, slow_bad = clean_opportunities(slow, owner_ids=OWNERS)
    assert fast_clean.values == slow_clean.values and fast_clean.lines == slow_clean.lines
    assert fast_bad == slow_bad and len(fast_bad) > 1000  # same RowErrors: line, column, value, message
    assert {(e.line, e.column) for e in fast_bad} >= {(12, "amount"), (14, "owner_email"), (14, "external_id")}


@pytest.mark.parametrize("spoil", [
    lambda rows: rows.insert(100, ""),  # a blank line: the lines after it shift
    lambda rows: rows.insert(100, ",,,"),  # an all-empty record is dropped
    lambda rows: rows.__setitem__(5, 'D-5,"Acme, Inc",ann@x.com,Won,1,USD,,,false,false,'),  # quotes
])
def test_files_the_fast_reader_cannot_mirror_take_the_csv_module(monkeypatch, spoil):
    rows = _rows(2500)
    spoil(rows)
    text = "\n".join([HEADER, *rows]) + "\n"
    (fast, _), (slow, _) = _read_both(text, monkeypatch)
    assert fast.columns is None
    assert (fast.rows, fast.lines) == (slow.rows, slow.lines)


def test_plain_amounts_convert_in_one_pass_to_exactly_what_the_parser_returns():
    from decimal import Decimal

    from spm.imports import Column, RawTable, clean_table
    from spm.imports.table import parse_decimal

    parse = parse_decimal(minimum=Decimal(0), what="an amount")
    values = ["4821", "4821.00", "4821.", "007", "0.00", "1.234", "1,200.50", " 7 ", "-5", "12k", "٣"]
    table = RawTable(file="f.csv", header=["amount"], rows=[[v] for v in values], lines=list(range(2, len(values) + 2)))
    clean, errors = clean_table(table, [Column("amount", parse)])
    pattern, _ = parse.fast
    assert [v for v in values if pattern.fullmatch(v)] == ["4821", "4821.00", "4821.", "007", "0.00"]
    expected = []
    for v in values:
        try:
            expected.append(parse(v.strip()))
        except ValueError:
            expected.append(None)
    assert [str(x) for x in clean.values["amount"]] == [str(x) for x in expected]  # same value and exponent
    assert [(e.line, e.value) for e in errors] == [(10, "-5"), (11, "12k")]
    assert parse_decimal(minimum=Decimal(0), maximum=Decimal(100)).__dict__.get("fast") is None  # bounded: the parser


def test_the_collector_is_paused_only_while_rows_are_built():
    import gc

    from spm.imports import bulk_allocations

    seen = []
    with bulk_allocations():
        seen.append(gc.isenabled())
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(RuntimeError), bulk_allocations():
            raise RuntimeError("a failing import")
        assert not gc.isenabled()  # a caller's own setting is left as it was
    finally:
        gc.enable()


def test_chunks_and_digit_only_columns_read_exactly_as_the_csv_module_does(monkeypatch):
    """The fast reader factorises each column chunk by chunk: values met in several chunks keep one code, and a
    column of digits keeps its spelling (0100 stays 0100, never a number)."""
    monkeypatch.setattr(table_module, "READ_CHUNK", 7)
    rows = [f"D-{i},0{i % 5}00,{('4821', '4821.00', '007')[i % 3]},{'x' if i % 4 else ''}" for i in range(2500)]
    rows[20] = "D-20,0100"  # short: the missing cells are blank
    text = "\n".join(["external_id,code,amount,note", *rows]) + "\n"
    (fast, _), (slow, _) = _read_both(text, monkeypatch)
    assert fast.columns is not None and slow.columns is None
    assert [list(r) for r in fast.rows] == [r + [""] * (4 - len(r)) for r in slow.rows]
    assert fast.rows[0] == ["D-0", "0000", "4821", ""] and fast.rows[2][2] == "007"

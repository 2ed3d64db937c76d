"""data_quality.html: its verdicts agree with its own counts, and it speaks Chinese only."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from test_validation import CONFIG, con, inbox, roster_rows, write_xlsx  # noqa: F401  (fixtures)

from connectors.ingest import ingest_inbox
from reports import data_quality

LETTERS = re.compile(r"[A-Za-z]")


class _Tables(HTMLParser):
    """Every table of the page as a list of rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(page: str) -> list[list[dict[str, str]]]:
    parser = _Tables()
    parser.feed(page)
    return [[dict(zip(t[0], r, strict=False)) for r in t[1:]] for t in parser.tables]


def test_a_sheet_with_quarantined_rows_is_never_all_passed(inbox, con, tmp_path) -> None:  # noqa: F811
    rows = roster_rows(12)
    rows[2][9] = -1  # a negative amount: quarantined by a check
    write_xlsx(inbox / "花名册.xlsx", {"城关镇": rows})
    ingest_inbox(inbox, con, CONFIG, workers=0)
    # the same sheet as if the row had been quarantined before the checks (no check failing)
    con.execute("UPDATE validation_results SET outcome = '通过' WHERE check_name IS NOT NULL")
    page = data_quality.build(con)
    sheets = tables(page)[0]
    roster = next(r for r in sheets if r["文件"] == "花名册.xlsx")
    assert roster["隔离行数"] == "1"
    assert roster["检查结果"] != "全部通过" and "隔离" in roster["检查结果"]
    for r in sheets:
        if r["检查结果"] == "全部通过":
            assert r["隔离行数"] == "0", r
    assert "全部检查通过" not in page


def test_the_page_names_checks_and_columns_in_chinese(inbox, con) -> None:  # noqa: F811
    rows = roster_rows(12)
    rows[2][9] = -1
    rows[3][5] = "12345"  # not a resident ID
    write_xlsx(inbox / "花名册.xlsx", {"城关镇": rows})
    ingest_inbox(inbox, con, CONFIG, workers=0)
    failed = tables(data_quality.build(con))[1]
    assert failed, "no failed check to show"
    for r in failed:
        for header in r:
            assert not LETTERS.search(header), header
        for name in ("检查", "列", "处理", "结果", "检查方法"):
            assert r[name] and not LETTERS.search(r[name]), (name, r)


def test_every_declared_expectation_has_a_chinese_name() -> None:
    from connectors.catalog import load_catalog
    from connectors.validation import load_checks

    names = {c.expectation for c in load_checks(load_catalog()).checks}
    assert len(names) >= 5
    for name in names:
        assert data_quality.expectation_label(name) != "其他数据检查", name

"""总览.html: offline (no http at all), relative links that resolve, every data text escaped."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import polars as pl
from test_reports_county import build_county

import reports
from reports import inputs, overview


def test_overview_is_offline_and_its_links_resolve(tmp_path: Path) -> None:
    county = build_county(tmp_path)
    paths = reports.write_all(county.con, tmp_path, county.config, "20241201-093000")
    page = paths.overview.read_text(encoding="utf-8")
    assert "http" not in page.lower()
    assert "<script" not in page.lower() and "@import" not in page and "url(" not in page
    assert page.count("<svg") >= 4  # ranking, by town, by category, heat map
    links = re.findall(r'(?:href|src)="([^"]*)"', page)
    assert len(links) == len(paths.village_workbooks) + 1  # every village, and the office workbook
    for link in links:
        assert not link.startswith(("/", "file:")), link
        assert (paths.root / unquote(link)).is_file(), link
    for path in paths.village_workbooks.values():
        assert path.relative_to(paths.root).as_posix() in {unquote(x) for x in links}


def test_data_text_is_escaped(tmp_path: Path) -> None:
    county = build_county(tmp_path)
    data = inputs.load(county.con, tmp_path, "<县>")
    data.villages = data.villages.with_columns(pl.lit('<script>alert("x")</script>村').alias("village_name"))
    page = overview.build(data, {}, "20241201-093000", "巡察办汇总.xlsx")
    assert "<script>" not in page
    assert "&lt;script&gt;" in page and "&lt;县&gt;" in page

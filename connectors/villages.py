"""Map the village names each department writes to statistics' 12-digit division codes.

Order of trust: a code in the row; the same name once suffixes (村委会, 股份经济合作社 ...) and a
leading town are stripped; a configured alias; a fuzzy match on the stripped name within the row's
town at or above the configured threshold. Below it the village stays unmatched and is reported by
name, never guessed. Matching runs once per distinct (town, village, code), not per row.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import duckdb
import polars as pl
from rapidfuzz import fuzz, process

# Longest first: "村村委会" must go before "村委会" before "村".
VILLAGE_SUFFIXES = sorted(
    ["股份经济合作社", "经济股份合作社", "股份合作社", "经济合作社", "集体经济组织", "集体经济合作社",
     "村民委员会", "居民委员会", "社区居民委员会", "社区居委会", "村村委会", "村村民委员会", "村委会", "居委会",
     "村委", "社区", "村"],
    key=len, reverse=True,
)
TOWN_SUFFIXES = sorted(["街道办事处", "办事处", "街道", "镇", "乡", "民族乡"], key=len, reverse=True)
_WS = re.compile(r"[\s\u3000\u00a0]+")


def _clean(s: str | None) -> str:
    if s is None:
        return ""
    return _WS.sub("", unicodedata.normalize("NFKC", str(s)))


def town_core(town: str | None) -> str:
    s = _clean(town)
    for suf in TOWN_SUFFIXES:
        if s.endswith(suf) and len(s) > len(suf):
            return s[: -len(suf)]
    return s


def village_core(name: str, towns: list[str] = ()) -> tuple[str, str]:
    """(town core found as a prefix or "", the village's core name): 城关镇东岭村村委会 -> (城关, 东岭)."""
    s = _clean(name)
    found = ""
    for t in towns:  # longest first, so 城关镇 wins over 城关
        if s.startswith(t) and len(s) > len(t):
            found, s = town_core(t), s[len(t):]
            break
    for _ in range(3):
        before = s
        for suf in VILLAGE_SUFFIXES:
            if s.endswith(suf) and len(s) > len(suf):
                s = s[: -len(suf)]
                break
        if s == before:
            break
    return found, s


@dataclass
class VillageIndex:
    """The reference list of villages (from village_basics) plus configured aliases."""

    threshold: float = 88.0
    aliases: dict[str, str] = field(default_factory=dict)  # cleaned alias -> code
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (town, village) as in statistics
    _exact: dict[tuple[str, str], str] = field(default_factory=dict)
    _by_core: dict[str, set[str]] = field(default_factory=dict)
    _town_cores: dict[str, dict[str, str]] = field(default_factory=dict)  # town core -> village core -> code
    _town_prefixes: list[str] = field(default_factory=list)
    # (town, village, code) -> match: the same spellings come back in file after file
    _memo: dict[tuple, tuple[str | None, str | None]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, reference: pl.DataFrame, aliases: dict[str, str] | None = None,
              threshold: float = 88.0) -> VillageIndex:
        """reference: columns town_raw, village_raw, village_code (12 digits)."""
        idx = cls(threshold=threshold)
        towns: set[str] = set()
        for town, village, code in reference.select("town_raw", "village_raw", "village_code").iter_rows():
            if not code or not village:
                continue
            tc = town_core(town)
            _, vc = village_core(village)
            idx.names[code] = (town or "", village)
            idx._exact[(tc, vc)] = code
            idx._by_core.setdefault(vc, set()).add(code)
            idx._town_cores.setdefault(tc, {})[vc] = code
            if town:
                towns.add(_clean(town))
                if tc:
                    towns.add(tc)
        idx._town_prefixes = sorted(towns, key=len, reverse=True)
        idx.aliases = {_clean(k): v for k, v in (aliases or {}).items()}
        return idx

    def __len__(self) -> int:
        return len(self.names)

    def match(self, town: str | None, village: str | None, code: str | None) -> tuple[str | None, str | None]:
        """(village_code, how): how is code / exact / alias / fuzzy:<score> / unmatched, or None if no village given."""
        key = (town, village, code)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._match(town, village, code)
        return found

    def _match(self, town: str | None, village: str | None, code: str | None) -> tuple[str | None, str | None]:
        if code:
            return code, "code"
        if not village or not _clean(village):
            return None, None
        raw = _clean(village)
        _, whole = village_core(raw)  # the name as written, suffixes removed
        # The same name read as "<town><village>": 城关镇东岭村 -> (城关, 东岭). Only a reading, since
        # a village may itself start like a town (石门村 in a county that also has 石门镇).
        prefix_town, stripped = village_core(raw, self._town_prefixes)
        tc = town_core(town) if town else ""
        known_town = tc in self._town_cores
        if known_town:
            readings = [whole] + ([stripped] if prefix_town in ("", tc) and stripped != whole else [])
            for v in readings:
                hit = self._exact.get((tc, v))
                if hit:
                    return hit, "exact"
        else:  # town unknown (or not one statistics knows): a town in the name, or a unique name
            if prefix_town in self._town_cores and stripped:
                hit = self._exact.get((prefix_town, stripped))
                if hit:
                    return hit, "exact"
            codes = self._by_core.get(whole, set())
            if len(codes) == 1:
                return next(iter(codes)), "exact"
            if prefix_town:
                tc = prefix_town
        vc = stripped if prefix_town and prefix_town == tc else whole
        for key in (raw, _clean(town) + raw if town else raw, vc):
            if key in self.aliases:
                return self.aliases[key], "alias"
        pool = self._town_cores.get(tc) if tc and tc in self._town_cores else None
        if pool is None:
            pool = {}
            for core, codes in self._by_core.items():
                if len(codes) == 1:
                    pool[core] = next(iter(codes))
        if not pool or not vc:
            return None, "unmatched"
        found = process.extract(vc, list(pool), scorer=fuzz.ratio, limit=2)
        if not found or found[0][1] < self.threshold:
            return None, "unmatched"
        if len(found) > 1 and found[1][1] == found[0][1]:
            return None, "unmatched"  # two villages equally close: report, don't guess
        return pool[found[0][0]], f"fuzzy:{round(found[0][1])}"


def load_index(con: duckdb.DuckDBPyConnection, aliases: dict[str, str] | None = None,
               threshold: float = 88.0) -> VillageIndex:
    """The reference as the warehouse holds it now (statistics' village_basics)."""
    ref = con.execute(
        "SELECT any_value(town_raw) AS town_raw, any_value(village_raw) AS village_raw, village_code "
        "FROM village_basics WHERE village_code IS NOT NULL GROUP BY village_code ORDER BY village_code"
    ).pl()
    return VillageIndex.build(ref, aliases, threshold)


@dataclass
class Assignment:
    frame: pl.DataFrame
    unmatched: list[str]  # village names as written, for the sheet message
    seen: list[tuple[str, str, str]]  # (alias as written, code, origin) for the village_alias table


def assign(frame: pl.DataFrame, index: VillageIndex) -> Assignment:
    """Fill village_code and village_match for a frame carrying town_raw, village_raw, village_code."""
    on = ["town_raw", "village_raw", "village_code"]
    uniq = frame.select(on).unique()
    codes, hows, unmatched, seen = [], [], [], []
    for town, village, code in uniq.iter_rows():
        c, how = index.match(town, village, code)
        codes.append(c)
        hows.append(how)
        if how == "unmatched":
            unmatched.append(_clean(town) + _clean(village) if town and not _clean(village).startswith(_clean(town)) else _clean(village))
        elif how in ("exact", "alias") or (how or "").startswith("fuzzy"):
            seen.append((_clean(village), c, how))
    matched = uniq.with_columns(pl.Series("_code", codes, dtype=pl.String), pl.Series("_how", hows, dtype=pl.String))
    # a join, not a per-row key: rows keep their order, and a missing town or code matches a missing one
    out = (frame.join(matched, on=on, how="left", nulls_equal=True, maintain_order="left")
           .with_columns(pl.col("_code").alias("village_code"), pl.col("_how").alias("village_match"))
           .drop("_code", "_how"))
    return Assignment(out, sorted(set(unmatched)), sorted(set(seen)))


def reassign(frame: pl.DataFrame, index: VillageIndex) -> Assignment:
    """assign() again on a frame already assigned against another reference: a code the row gave
    itself (village_match 'code') is kept, every other row is matched anew by its names."""
    written = pl.when(pl.col("village_match") == "code").then(pl.col("village_code")).otherwise(None)
    return assign(frame.with_columns(written.alias("village_code")).drop("village_match"), index)

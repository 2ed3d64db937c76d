"""Map the village names each department writes to statistics' 12-digit division codes.

Order of trust: a code in the row; the same name once administrative prefixes (province, city, the
county names the statistics list or the configuration gives, any 某某县/区/旗 before a known town or
village), suffixes (村委会, 村民委员会, 社区居委会 ...) and a leading
town are stripped; a former name (the statistics list's 曾用名/原村名 column, after mergers); a
configured alias; a fuzzy match on the stripped name within the row's town at or above the
configured threshold. Below it the village stays unmatched and is reported by name with its
nearest candidates, never guessed.

The town decides between same-named villages and is never crossed: a row whose town differs from
the statistics list's town for that name is not matched; a row naming a town when the statistics
list gives none for the village is matched by name as `town_unknown` and reported. Matching runs
once per distinct (town, village, code), not per row.
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
     "村委", "行政村", "社区", "村"],
    key=len, reverse=True,
)
# The body's words reduced to the kind of place they name, keeping 村 or 社区 (凤凰行政村, 凤凰村村委会 ->
# 凤凰村; 凤凰社区居委会 -> 凤凰社区): tells apart listed villages whose core names are the same.
_KIND_SUFFIXES = sorted(
    [("社区居民委员会", "社区"), ("社区居委会", "社区"), ("居民委员会", "社区"), ("居委会", "社区"),
     ("村村民委员会", "村"), ("村村委会", "村"), ("村民委员会", "村"), ("村委会", "村"), ("村委", "村"),
     ("行政村", "村"), ("股份经济合作社", ""), ("经济股份合作社", ""), ("股份合作社", ""), ("经济合作社", ""),
     ("集体经济组织", ""), ("集体经济合作社", "")],
    key=lambda x: len(x[0]), reverse=True,
)
# 行政村 (the administrative village, as against its natural villages) before its committee's name:
# 上坪行政村村民委员会 is 上坪村村民委员会.
_ADMIN_VILLAGE = re.compile(r"(?<=.)行政村(?=(?:村?委会|村?民委员会|村委)?$)")
TOWN_SUFFIXES = sorted(["街道办事处", "办事处", "街道", "镇", "乡", "民族乡"], key=len, reverse=True)
_WS = re.compile(r"[\s\u3000\u00a0]+")
# A leading province or prefecture-level name: only cut when what follows is a county or town the
# statistics list knows (新市村 must stay whole).
_PROVINCE_OR_CITY = re.compile(r"(?:.{2,7}?(?:省|自治区|特别行政区))?(?:.{1,7}?(?:市|自治州|州|地区|盟)){0,2}")
# A leading county-level name (某某县, 某某区, 某某旗, 某某自治县 ...): cut like the above, when a town the
# statistics list knows follows it, or a village it knows while the whole name is no village.
_COUNTY_LEVEL = re.compile(r".{1,8}?(?:自治县|自治旗|县|区|旗|林区|特区)")
# How many candidates an unmatched name is reported with, and the least score worth showing.
CANDIDATES = 3
CANDIDATE_MIN_SCORE = 50.0
# Separators between several former names in one cell.
_FORMER_SPLIT = re.compile(r"[、,，;；/／\s]+")


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
    s = _ADMIN_VILLAGE.sub("村", s)
    for _ in range(3):
        before = s
        for suf in VILLAGE_SUFFIXES:
            if s.endswith(suf) and len(s) > len(suf):
                s = s[: -len(suf)]
                break
        if s == before:
            break
    return found, s


def village_stem(name: str) -> str:
    """The name with its body's words reduced to 村 or 社区: 凤凰行政村, 凤凰村村委会 -> 凤凰村."""
    s = _ADMIN_VILLAGE.sub("村", _clean(name))
    for _ in range(3):
        before = s
        for suf, kind in _KIND_SUFFIXES:
            if s.endswith(suf) and len(s) > len(suf):
                s = s[: -len(suf)] + kind
                break
        if s == before:
            break
    return s


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
    _county_prefixes: list[str] = field(default_factory=list)
    # former names (曾用名/原村名 in the statistics list): (town core, former core) -> code
    _former: dict[tuple[str, str], str] = field(default_factory=dict)
    _former_by_core: dict[str, set[str]] = field(default_factory=dict)
    # (town core, village core) shared by several listed villages (凤凰村 and 凤凰社区): stem -> codes
    _clash: dict[tuple[str, str], dict[str, set[str]]] = field(default_factory=dict)
    # (town, village, code) -> match: the same spellings come back in file after file
    _memo: dict[tuple, tuple[str | None, str | None]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, reference: pl.DataFrame, aliases: dict[str, str] | None = None,
              threshold: float = 88.0, county: str = "") -> VillageIndex:
        """reference: columns town_raw, village_raw, village_code (12 digits); optional county and
        former_names. county: the county's name as configured ([county] name), an administrative
        prefix like the statistics list's county column."""
        idx = cls(threshold=threshold)
        towns: set[str] = set()
        counties: set[str] = {_clean(county)} - {""}
        ref = reference.with_columns(
            [pl.lit(None, pl.String).alias(c) for c in ("county", "former_names") if c not in reference.columns])
        for town, village, code, county, former in ref.select(
                "town_raw", "village_raw", "village_code", "county", "former_names").iter_rows():
            if not code or not village:
                continue
            tc = town_core(town)
            _, vc = village_core(village)
            idx.names[code] = (town or "", village)
            if idx._exact.setdefault((tc, vc), code) != code:
                clash = idx._clash.setdefault((tc, vc), {})
                first = idx._exact[(tc, vc)]
                clash.setdefault(village_stem(idx.names[first][1]), set()).add(first)
                clash.setdefault(village_stem(village), set()).add(code)
            idx._by_core.setdefault(vc, set()).add(code)
            idx._town_cores.setdefault(tc, {})[vc] = code
            if town:
                towns.add(_clean(town))
                if tc:
                    towns.add(tc)
            if county:
                counties.add(_clean(county))
            for old in _FORMER_SPLIT.split(_clean(former)) if former else []:
                _, oc = village_core(old)
                if oc and oc != vc:
                    idx._former.setdefault((tc, oc), code)
                    idx._former_by_core.setdefault(oc, set()).add(code)
        idx._town_prefixes = sorted(towns, key=len, reverse=True)
        idx._county_prefixes = sorted(counties, key=len, reverse=True)
        idx.aliases = {_clean(k): v for k, v in (aliases or {}).items()}
        return idx

    def strip_admin_prefix(self, name: str) -> str:
        """城关镇东岭村 stays; 陕西省某某市某某县城关镇东岭村 -> 城关镇东岭村: leading province and city
        names are cut when a county or town the statistics list knows follows them, then the county."""
        s = _clean(name)
        known = self._county_prefixes + self._town_prefixes
        for i in range(2, min(len(s), 24)):
            if _PROVINCE_OR_CITY.fullmatch(s[:i]) and any(s[i:].startswith(p) and len(s) > i + len(p) for p in known):
                s = s[i:]
                break
        county = next((c for c in self._county_prefixes if s.startswith(c) and len(s) > len(c)), None)
        if county:
            return s[len(county):]
        if village_core(s)[1] in self._by_core:
            return s  # the whole name is a village's (黄区村): nothing to cut
        for i in range(2, min(len(s), 12)):
            if not _COUNTY_LEVEL.fullmatch(s[:i]):
                continue
            rest = s[i:]
            if any(rest.startswith(p) and len(rest) > len(p) for p in self._town_prefixes) \
                    or village_core(rest)[1] in self._by_core:
                return rest
        return s

    def candidates(self, town: str | None, village: str | None, limit: int = CANDIDATES) -> list[str]:
        """The statistics villages nearest to a name, best first, as 城关镇东岭村(86分), for a report."""
        if not village or not self.names:
            return []
        _, core = village_core(self.strip_admin_prefix(village), self._town_prefixes)
        names = {code: _clean(t) + _clean(v) for code, (t, v) in self.names.items()}
        cores = {code: village_core(v)[1] for code, (_, v) in self.names.items()}
        tc = town_core(town) if town else ""
        found = process.extract(core, cores, scorer=fuzz.ratio, limit=limit * 3)
        # equally close: the row's own town first
        found.sort(key=lambda f: (-round(f[1]), town_core(self.names[f[2]][0]) != tc, f[2]))
        return [f"{names[code]}({round(score)}分)" for _, score, code in found[:limit] if score >= CANDIDATE_MIN_SCORE]

    def describe(self, town: str | None, village: str | None) -> str:
        """A name as the report shows it: with its town, and for an unmatched one its nearest candidates."""
        shown = _clean(town) + _clean(village) if town and not _clean(village).startswith(_clean(town)) else _clean(village)
        near = self.candidates(town, village)
        return shown + (f"（最接近：{'、'.join(near)}）" if near else "")

    def __len__(self) -> int:
        return len(self.names)

    def match(self, town: str | None, village: str | None, code: str | None) -> tuple[str | None, str | None]:
        """(village_code, how): how is code / exact / former / alias / town_unknown / fuzzy:<score> /
        unmatched, or None if no village given."""
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
        raw = self.strip_admin_prefix(village)
        _, whole = village_core(raw)  # the name as written, suffixes removed
        # The same name read as "<town><village>": 城关镇东岭村 -> (城关, 东岭). Only a reading, since
        # a village may itself start like a town (石门村 in a county that also has 石门镇).
        prefix_town, stripped = village_core(raw, self._town_prefixes)
        tc = town_core(self.strip_admin_prefix(town)) if town else ""
        known_town = tc in self._town_cores
        # the name as written, its body's words reduced to 村/社区, with and without a leading town
        after_town = next((raw[len(t):] for t in self._town_prefixes if raw.startswith(t) and len(raw) > len(t)), raw)
        stems = {village_stem(raw), village_stem(after_town)}
        named_elsewhere = prefix_town and tc and prefix_town != tc and stripped in self._town_cores.get(prefix_town, {})
        if named_elsewhere:
            return None, "unmatched"  # the name says one town, the town column another: not guessed
        if known_town:
            readings = [whole] + ([stripped] if prefix_town in ("", tc) and stripped != whole else [])
            for v in readings:
                if (tc, v) in self._clash:
                    return self._by_stem(self._clash[(tc, v)], stems)
                hit = self._exact.get((tc, v)) or self._former.get((tc, v))
                if hit:
                    return hit, ("exact" if (tc, v) in self._exact else "former")
        else:  # town unknown (or not one statistics knows): a town in the name, or a unique name
            if prefix_town and prefix_town in self._town_cores and stripped:
                if (prefix_town, stripped) in self._clash:
                    return self._by_stem(self._clash[(prefix_town, stripped)], stems)
                hit = self._exact.get((prefix_town, stripped)) or self._former.get((prefix_town, stripped))
                if hit:
                    return hit, ("exact" if (prefix_town, stripped) in self._exact else "former")
            for codes, how in ((self._by_core.get(whole, set()), "exact"), (self._former_by_core.get(whole, set()), "former")):
                if len(codes) != 1:
                    continue
                code = next(iter(codes))
                listed_town = town_core(self.names[code][0])
                if not tc or tc == listed_town:
                    return code, how
                if not listed_town:
                    return code, "town_unknown"  # matched by name; the statistics list gives no town to check
                return None, "unmatched"  # the row's town is not the listed village's town: never crossed
            if prefix_town:
                tc = prefix_town
        vc = stripped if prefix_town and prefix_town == tc else whole
        for key in (raw, _clean(town) + raw if town else raw, vc):
            if key in self.aliases:
                return self.aliases[key], "alias"
        if tc and not known_town and self._town_cores.keys() - {""}:
            return None, "unmatched"  # a town statistics does not know: no fuzzy guess across the county
        pool = self._town_cores.get(tc) if tc and tc in self._town_cores else None
        if pool is not None:  # core names several villages of the town share are no fuzzy target
            pool = {core: code for core, code in pool.items() if (tc, core) not in self._clash}
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

    @staticmethod
    def _by_stem(clash: dict[str, set[str]], stems: set[str]) -> tuple[str | None, str]:
        """One of several listed villages sharing a core name, told apart by the name as written
        (凤凰村村委会 is 凤凰村, not 凤凰社区); a bare 凤凰 names neither: unmatched, never guessed."""
        codes = set().union(*(clash.get(s, set()) for s in stems))
        return (next(iter(codes)), "exact") if len(codes) == 1 else (None, "unmatched")


def load_index(con: duckdb.DuckDBPyConnection, aliases: dict[str, str] | None = None,
               threshold: float = 88.0, county: str = "") -> VillageIndex:
    """The reference as the warehouse holds it now (statistics' village_basics)."""
    ref = con.execute(
        "SELECT any_value(town_raw) AS town_raw, any_value(village_raw) AS village_raw, village_code, "
        "any_value(county) AS county, string_agg(DISTINCT former_names, '、') AS former_names "
        "FROM village_basics WHERE village_code IS NOT NULL GROUP BY village_code ORDER BY village_code"
    ).pl()
    return VillageIndex.build(ref, aliases, threshold, county)


@dataclass
class Assignment:
    frame: pl.DataFrame
    unmatched: list[str]  # village names as written, for the sheet message
    seen: list[tuple[str, str, str]]  # (alias as written, code, origin) for the village_alias table
    # matched by name although the statistics list gives no town to check the row's town against
    town_unknown: list[str] = field(default_factory=list)


def assign(frame: pl.DataFrame, index: VillageIndex) -> Assignment:
    """Fill village_code and village_match for a frame carrying town_raw, village_raw, village_code."""
    on = ["town_raw", "village_raw", "village_code"]
    uniq = frame.select(on).unique()
    codes, hows, unmatched, seen, unverified = [], [], [], [], []
    for town, village, code in uniq.iter_rows():
        c, how = index.match(town, village, code)
        codes.append(c)
        hows.append(how)
        if how == "unmatched":
            unmatched.append(index.describe(town, village))
        elif how == "town_unknown":
            unverified.append(index.describe(town, village).split("（")[0])
        elif how in ("exact", "alias", "former") or (how or "").startswith("fuzzy"):
            seen.append((_clean(village), c, how))
    if uniq.height == 1:  # one village on the whole sheet (a village's ledger, a sheet per village): no join
        out = frame.with_columns(pl.lit(codes[0], dtype=pl.String).alias("village_code"),
                                 pl.lit(hows[0], dtype=pl.String).alias("village_match"))
    else:
        matched = uniq.with_columns(pl.Series("_code", codes, dtype=pl.String), pl.Series("_how", hows, dtype=pl.String))
        # a join, not a per-row key: rows keep their order, and a missing town or code matches a missing one
        out = (frame.join(matched, on=on, how="left", nulls_equal=True, maintain_order="left")
               .with_columns(pl.col("_code").alias("village_code"), pl.col("_how").alias("village_match"))
               .drop("_code", "_how"))
    return Assignment(out, sorted(set(unmatched)), sorted(set(seen)), sorted(set(unverified)))


def reassign(frame: pl.DataFrame, index: VillageIndex) -> Assignment:
    """assign() again on a frame already assigned against another reference: a code the row gave
    itself (village_match 'code') is kept, every other row is matched anew by its names."""
    written = pl.when(pl.col("village_match") == "code").then(pl.col("village_code")).otherwise(None)
    return assign(frame.with_columns(written.alias("village_code")).drop("village_match"), index)

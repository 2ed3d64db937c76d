"""The extract catalogue: extracts.toml plus a county's configured header synonyms, validated.

Everything a connector knows about an extract's headers comes from here, so onboarding a county is
a configuration change (ConnectorsConfig.header_synonyms), never a code change.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from fnmatch import fnmatch
from functools import lru_cache
from pathlib import Path, PurePosixPath

from connectors.headertext import normalise_header
from connectors.schema import TABLES, VILLAGE_KEYS, Column, Table

CATALOG_FILE = Path(__file__).with_name("extracts.toml")

_VILLAGE_KEY_NAMES = {c.name for c in VILLAGE_KEYS}


class CatalogError(ValueError):
    """extracts.toml or the county configuration names something that does not exist (Chinese message)."""


@dataclass(frozen=True)
class ExtractSpec:
    name: str  # extract kind == canonical table name
    table: Table
    # canonical column -> normalised header wordings, in priority order
    synonyms: dict[str, tuple[str, ...]]
    # each entry: a tuple of alternatives, at least one of which must be present
    signature: tuple[tuple[str, ...], ...]
    required: frozenset[str]
    strict_ids: frozenset[str]
    lossy_numeric_quarantine: frozenset[str]
    # Columns that say something of the whole household (户主, 保障类别, 审批日期), which a roster may
    # write on the household's first row only (connectors/continuation.py); never a person's own column.
    household: tuple[str, ...] = ()
    # (role, normalised child header) -> canonical column: what a child cell means under a group
    # row of that role (户主/姓名 -> head_name, 家庭成员/姓名 -> member_name); see [roles]
    role_columns: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def roles(self) -> frozenset[str]:
        """Roles this extract gives meaning to: a group of another role falls back to child names."""
        return frozenset(role for role, _ in self.role_columns)

    @property
    def label(self) -> str:
        return self.table.label

    def column(self, name: str) -> Column:
        """A data column or one of the village keys the connector fills from headers."""
        for c in self.table.columns + (VILLAGE_KEYS if self.table.has_village else ()):
            if c.name == name:
                return c
        raise KeyError(name)

    def header_index(self) -> dict[str, str]:
        """Normalised header -> canonical column (first listed wins)."""
        index: dict[str, str] = {}
        for col, words in self.synonyms.items():
            for w in words:
                index.setdefault(w, col)
        return index


def _household(name: str, columns: list[str], valid: set[str]) -> tuple[str, ...]:
    """The extract's household-level columns, checked: known columns, none of them a member's own."""
    bad = [c for c in columns if c not in valid or c.startswith("member_")]
    if bad:
        raise CatalogError(f"extracts.toml [{name}] 的 household 中有未知的列或成员本人的列：" + "、".join(bad))
    return tuple(columns)


@dataclass(frozen=True, eq=False)  # eq=False: hashed by identity (connectors.headers memoises per catalogue)
class Catalog:
    extracts: dict[str, ExtractSpec]
    indexes: dict[str, dict[str, str]]  # extract -> normalised header -> canonical column
    # normalised group-row wording -> role ("head", "member"): whose columns sit under the group
    roles: dict[str, str] = field(default_factory=dict)
    # a county's [connectors.pin]: file glob (relative to the inbox) -> extract kind, in order
    pins: tuple[tuple[str, str], ...] = ()
    # points by which the recognised kind must beat the best other kind ([connectors] recognition_margin)
    margin: float = 1.0
    # a county's [connectors.split_amount]: file glob -> header of the amount column a direction splits
    split_amounts: tuple[tuple[str, str], ...] = ()

    def pinned(self, source_file: str) -> str | None:
        """The extract kind the county pinned this file to (first matching glob), if any."""
        return _first_match(self.pins, source_file)

    def amount_to_split(self, source_file: str) -> str | None:
        """The header of the amount column the county named for this file's direction split, if any."""
        return _first_match(self.split_amounts, source_file)

    def __iter__(self):
        return iter(self.extracts.values())

    def index(self, name: str) -> dict[str, str]:
        return self.indexes[name]


def _first_match(pairs: tuple[tuple[str, str], ...], source_file: str) -> str | None:
    """The value of the first (file glob, value) pair whose glob matches the file (relative to the inbox)."""
    path = PurePosixPath(source_file)
    for pattern, value in pairs:
        if path.match(pattern) or fnmatch(source_file, pattern):
            return value
    return None


def _columns_of(table: Table) -> set[str]:
    names = {c.name for c in table.columns}
    if table.has_village:
        names |= _VILLAGE_KEY_NAMES - {"village_match"}
    return names


def _expand(words: list[str], groups: dict[str, list[str]], where: str) -> list[str]:
    out: list[str] = []
    for w in words:
        if w.startswith("@"):
            if w[1:] not in groups:
                raise CatalogError(f"{where} 引用了不存在的同义词组“{w}”")
            out.extend(groups[w[1:]])
        else:
            out.append(w)
    return out


def _dedupe_normalised(words: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for w in words:
        n = normalise_header(w)
        if n:
            seen.setdefault(n, None)
    return tuple(seen)


@lru_cache(maxsize=1)
def _raw_catalog() -> dict:
    return tomllib.loads(CATALOG_FILE.read_text(encoding="utf-8"))


def load_catalog(header_synonyms: dict[str, dict[str, list[str]]] | None = None,
                 pin: dict[str, str] | None = None, recognition_margin: float = 1.0,
                 group_roles: dict[str, list[str]] | None = None,
                 split_amount: dict[str, str] | None = None) -> Catalog:
    """The catalogue, with a county's extra header wordings appended after the built-in ones
    (header_synonyms; group_roles: more group-row wordings per role, e.g. head = ["救助对象"]).

    Unknown extract or column names in the configuration are an error naming them: a typo must not
    silently do nothing.
    """
    raw = _raw_catalog()
    groups = raw.get("groups", {})
    role_words = raw.get("roles", {})
    extracts: dict[str, ExtractSpec] = {}
    extra = header_synonyms or {}
    kinds = set(raw) - _NOT_EXTRACTS
    unknown = sorted(set(extra) - kinds)
    if unknown:
        raise CatalogError(
            "配置 connectors.header_synonyms 中有未知的数据表：" + "、".join(f"“{u}”" for u in unknown)
            + "；可用的表：" + "、".join(sorted(kinds))
        )
    for name, sec in raw.items():
        if name in _NOT_EXTRACTS:
            continue
        if name not in TABLES:
            raise CatalogError(f"extracts.toml 中的“{name}”不是 schema.py 中的表")
        table = TABLES[name]
        valid = _columns_of(table)
        cols = sec.get("columns", {})
        bad = sorted(set(cols) - valid)
        if bad:
            raise CatalogError(f"extracts.toml [{name}.columns] 中有表中不存在的列：{'、'.join(bad)}")
        county_cols = extra.get(name, {})
        bad = sorted(set(county_cols) - valid)
        if bad:
            raise CatalogError(
                f"配置 connectors.header_synonyms.{name} 中有未知的列：" + "、".join(f"“{b}”" for b in bad)
                + "；可用的列：" + "、".join(sorted(valid))
            )
        synonyms = {
            col: _dedupe_normalised(_expand(list(words), groups, f"[{name}.columns] {col}") + list(county_cols.get(col, [])))
            for col, words in cols.items()
        }
        for col, words in county_cols.items():
            if col not in synonyms:
                synonyms[col] = _dedupe_normalised(list(words))
        signature = tuple(tuple(s) if isinstance(s, list) else (s,) for s in sec.get("signature", []))
        for alts in signature:
            for s in alts:
                if s not in synonyms:
                    raise CatalogError(f"extracts.toml [{name}] 的 signature 引用了没有表头同义词的列“{s}”")
        extracts[name] = ExtractSpec(
            name=name,
            table=table,
            synonyms=synonyms,
            signature=signature,
            required=frozenset(sec.get("required", [])),
            strict_ids=frozenset(sec.get("strict_ids", [])),
            lossy_numeric_quarantine=frozenset(sec.get("lossy_numeric_quarantine", [])),
            household=_household(name, sec.get("household", []), valid),
            role_columns=_role_columns(name, sec.get("roles", {}), groups, role_words, valid),
        )
    unknown_roles = sorted(set(group_roles or {}) - set(role_words))
    if unknown_roles:
        raise CatalogError("配置 connectors.group_roles 中有未知的分组角色：" + "、".join(f"“{r}”" for r in unknown_roles)
                           + "；可用的角色：" + "、".join(f"{r}（{_ROLE_LABELS.get(r, r)}）" for r in role_words))
    roles = {normalise_header(w): role for role, words in role_words.items() for w in words}
    roles |= {normalise_header(w): role for role, words in (group_roles or {}).items() for w in words}
    bad = sorted({kind for kind in (pin or {}).values() if kind not in extracts})
    if bad:
        raise CatalogError("配置 connectors.pin 中有未知的数据表：" + "、".join(f"“{b}”" for b in bad)
                           + "；可用的表：" + "、".join(sorted(extracts)))
    return Catalog(extracts, {n: e.header_index() for n, e in extracts.items()}, roles,
                   tuple((pin or {}).items()), recognition_margin, tuple((split_amount or {}).items()))


def catalog_settings(connectors) -> dict:
    """load_catalog's keyword arguments from a ConnectorsConfig (plain data: reading processes get it)."""
    return {"header_synonyms": connectors.header_synonyms, "pin": dict(connectors.pin),
            "recognition_margin": connectors.recognition_margin, "group_roles": connectors.group_roles,
            "split_amount": dict(connectors.split_amount)}


# Top-level sections of extracts.toml that are not extract kinds.
_NOT_EXTRACTS = {"groups", "roles"}
_ROLE_LABELS = {"head": "户主、申请人一方", "member": "家庭成员一方", "payee": "收款人（账户）一方"}


def _role_columns(name: str, declared: dict[str, dict[str, str]], groups: dict[str, list[str]],
                  role_words: dict[str, list[str]], valid: set[str]) -> dict[tuple[str, str], str]:
    """[<extract>.roles] <role> = { <word group> = "<column>" }: every wording of the group, under a
    group row of that role, names the column."""
    out: dict[tuple[str, str], str] = {}
    for role, children in declared.items():
        if role not in role_words:
            raise CatalogError(f"extracts.toml [{name}.roles] 中的“{role}”不是 [roles] 中的角色")
        for group, column in children.items():
            if group not in groups:
                raise CatalogError(f"extracts.toml [{name}.roles.{role}] 引用了不存在的同义词组“{group}”")
            if column not in valid:
                raise CatalogError(f"extracts.toml [{name}.roles.{role}] 中有表中不存在的列：{column}")
            for word in _dedupe_normalised(groups[group]):
                out.setdefault((role, word), column)
    return out

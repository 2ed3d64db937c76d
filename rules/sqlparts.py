"""SQL fragments shared by rules, so a definition (an active roster row, a payment) is written once.

Each is a plain string meant to be formatted into a rule's SQL; see docs/rule_semantics.md
(generated from each rule's `semantics`).
"""

# One evidence entry for a row aliased `alias` of table `table`.
def evidence(alias: str, table: str) -> str:
    return (
        f"{{'table_name': '{table}', 'source_file': {alias}.source_file, "
        f"'source_sheet': {alias}.source_sheet, 'source_row': {alias}.source_row}}"
    )


# Programme groups of the assistance roster.
def is_dibao(alias: str) -> str:
    return f"({alias}.programme LIKE '%低保%' OR {alias}.programme IN ('A类', 'B类', 'C类'))"


def is_tekun(alias: str) -> str:
    return f"({alias}.programme LIKE '%特困%')"


# A roster row is active on day `day` (a SQL date expression).
def roster_active_on(alias: str, day: str) -> str:
    return (
        f"({alias}.approval_date <= {day} AND "
        f"(({alias}.status = '在保' AND {alias}.stop_date IS NULL) OR {alias}.stop_date >= {day}))"
    )


# The last day a roster row is active (NULL = still active, open-ended).
def roster_active_until(alias: str) -> str:
    return (
        f"(CASE WHEN {alias}.stop_date IS NOT NULL THEN {alias}.stop_date "
        f"WHEN {alias}.status = '在保' THEN NULL ELSE {alias}.approval_date - 1 END)"
    )


# Assistance-roster rows that were active on at least one day, each with its row id (`rid`), its
# active period [start_day, end_day] (end_day NULL = still active) and its evidence entry (`ev`).
# A row stopped before its approval, or with status 停保/退保 and no stop date, never was active.
ROSTER_SPELLS = f"""
    (SELECT a.*, a.rowid AS rid, a.approval_date AS start_day, {roster_active_until('a')} AS end_day,
            {evidence('a', 'assistance_roster')} AS ev
     FROM assistance_roster a
     WHERE a.member_id IS NOT NULL AND a.approval_date IS NOT NULL
       AND coalesce({roster_active_until('a')}, a.approval_date) >= a.approval_date)
"""


# The months a payment is for, as text: 2024年03月, or 2024年01月至2024年12月 for a longer period
# (period_start/period_end: first days of the first and last month; see connectors.schema).
def period_text(start: str, end: str) -> str:
    return (
        f"(CASE WHEN {start} = {end} THEN strftime({start}, '%Y年%m月') "
        f"ELSE strftime({start}, '%Y年%m月') || '至' || strftime({end}, '%Y年%m月') END)"
    )


# A voucher's identity: its accounting period (the voucher date's year-month) and its word and number,
# e.g. 2024-03/记-17 (numbers restart every month, so 记-17 alone is ambiguous). A line without a
# number is its own voucher (无凭证号#<row>). Voucher rules key their flags by it (subject_key).
# Exports that give the word in a column of its own (凭证字 记, 凭证号 17) are joined as 记-17.
def voucher_key(alias: str) -> str:
    number = (
        f"(CASE WHEN {alias}.voucher_word IS NOT NULL AND {alias}.voucher_no IS NOT NULL "
        f"AND NOT starts_with({alias}.voucher_no, {alias}.voucher_word) "
        f"THEN {alias}.voucher_word || '-' || {alias}.voucher_no ELSE {alias}.voucher_no END)"
    )
    return (
        f"(coalesce(strftime({alias}.voucher_date, '%Y-%m'), '期间不详') || '/' "
        f"|| coalesce({number}, '无凭证号#' || {alias}.source_row))"
    )


# The word and number part of a voucher_key (记-17), for summaries that already give the date.
def voucher_label(key: str) -> str:
    return f"substr({key}, strpos({key}, '/') + 1)"


# Ledger payments: debit lines that are not the cash/bank side of the entry.
LEDGER_PAYMENTS = """
    (SELECT * FROM village_ledger
     WHERE debit_yuan > 0
       AND coalesce(subject_name, '') NOT LIKE '库存现金%'
       AND coalesce(subject_name, '') NOT LIKE '银行存款%')
"""


# For each (village_code, year) of the relation `keys`, the village_basics row that describes it:
# the latest basics year <= year, else the nearest later one, else an undated row (a statistics
# table without a year column; basics_year NULL) (rule_semantics C02). `where` limits
# basics rows to those that carry the figure the rule needs (e.g. "b.farmland_mu IS NOT NULL").
# Columns: village_code, year, basics (a struct of the row, with its evidence entry as `ev`).
def basics_for_year(keys: str, where: str = "TRUE") -> str:
    return f"""
    (SELECT k.village_code, k.year,
            first({{'basics_year': b.year, 'households': b.households,
                   'registered_population': b.registered_population, 'farmland_mu': b.farmland_mu,
                   'town_raw': b.town_raw, 'village_raw': b.village_raw,
                   'ev': {evidence('b', 'village_basics')}}}
                  ORDER BY b.year IS NULL, b.year > k.year, abs(b.year - k.year), b.source_file, b.source_row)
               AS basics
     FROM (SELECT DISTINCT village_code, year FROM {keys}) k
     JOIN village_basics b ON b.village_code = k.village_code AND ({where})
     GROUP BY k.village_code, k.year)
    """


# The evidence of flagged village-years: every row of `table` (aliased `alias`) that the figure of
# (village_code, year) in the relation `flagged` was computed from, in source order.
# Columns: village_code, year, ev.
def village_year_evidence(table: str, alias: str, year: str, flagged: str, where: str = "TRUE") -> str:
    return f"""
    (SELECT {alias}.village_code, {year} AS year,
            list({evidence(alias, table)} ORDER BY {alias}.source_file, {alias}.source_row) AS ev
     FROM {table} {alias}
     SEMI JOIN {flagged} o ON o.village_code = {alias}.village_code AND o.year = {year}
     WHERE {where}
     GROUP BY {alias}.village_code, {year})
    """


def clean_name(expr: str) -> str:
    """SQL twin of rules.identity.clean_name: spaces (full-width too) removed, middle dots and
    full-width brackets unified, Latin letters lower-cased."""
    return (
        f"lower(translate(regexp_replace(regexp_replace({expr}, '[\\s\u3000]+', '', 'g'), "
        f"'[·•・.‧･]', '·', 'g'), '（）', '()'))"
    )

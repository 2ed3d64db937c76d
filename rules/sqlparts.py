"""SQL fragments shared by rules, so a definition (an active roster row, a payment) is written once.

Each is a plain string meant to be formatted into a rule's SQL; see docs/rule_semantics.md.
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


# Ledger payments: debit lines that are not the cash/bank side of the entry.
LEDGER_PAYMENTS = """
    (SELECT * FROM village_ledger
     WHERE debit_yuan > 0
       AND coalesce(subject_name, '') NOT LIKE '库存现金%'
       AND coalesce(subject_name, '') NOT LIKE '银行存款%')
"""

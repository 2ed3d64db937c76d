"""The few world facts a style changes, and the check that its period texts keep the ground truth.

All three facts are invisible to the rules (they work by village code and person ID), so the oracle's
flags stay the ground truth; they exist so that the reading code meets them:
- same-named villages: the village at SHARED_POSITION of every later town takes the name of the one
  at that position in the first town (only the town tells them apart);
- merged villages: the village at MERGED_POSITION of every town gets a former name (`Village.former`)
  that some departments still write;
- compensation through the ledger: every compensation payment also becomes a voucher of the village
  ledger (payee and 摘要 支付…青苗补偿款), and the style writes no compensation roster. The canonical
  compensation_roster rows stay in the oracle's input: they are what a connector must derive from those
  vouchers (the payee is the person of that name in the village's household register; names are unique
  within a village).
"""

from __future__ import annotations

from samplegen.ledger import new_voucher
from samplegen.oracle import check
from samplegen.styles import periods as P

SHARED_POSITION = 3
MERGED_POSITION = 5


def extra_stems(style, towns: int) -> int:
    """How many village name stems beyond one per village the style needs (former names)."""
    return towns if style.former_names else 0


def name_villages(style, town, first_town, spare: list[str]) -> None:
    """Apply the naming facts to a town whose villages already have their own stems."""
    if style.shared_village_names and first_town is not None and town is not first_town:
        if len(town.villages) > SHARED_POSITION and len(first_town.villages) > SHARED_POSITION:
            town.villages[SHARED_POSITION].base = first_town.villages[SHARED_POSITION].base
    if style.former_names and len(town.villages) > MERGED_POSITION and spare:
        town.villages[MERGED_POSITION].former = spare.pop(0)


def pay_compensation_through_ledger(rows: list[dict], ledgers: dict[str, list[dict]]) -> None:
    for r in rows:
        ledgers[r["village_code"]].append(new_voucher(
            r["pay_date"], "补偿款", f"支付{r['project_name']}青苗补偿款", r["amount_yuan"], r["person_name"],
            receipt="领款单", attachments=1))


def period_mismatches(style, clean: dict[str, list[dict]], quarantine: list[dict], flags: set) -> list[tuple]:
    """Flags that change when a rule reads a period text as its first or its last month instead of the
    payment's own month: (bound, extra flags, missing flags) for each bound that changes anything."""
    if not style.periods:
        return []
    out = []
    for bound in (0, 1):
        pay = []
        for r in clean["onecard_payments"]:
            kind = style.periods.get(r["item"])
            pay.append(dict(r, pay_month=P.span(kind, r["pay_month"])[bound]) if kind else r)
        other = check(dict(clean, onecard_payments=pay), quarantine)
        if other != flags:
            out.append((bound, sorted(other - flags), sorted(flags - other)))
    return out

"""Compare flags with a sample's ground_truth.csv: recall and precision per rule.

A flag is true when its (rule_id, village_code, subject_key) is listed in ground truth; a ground
truth row is found when at least one flag has its triple. Voucher subjects (D01–D06) are compared by
what identifies a voucher — accounting period, voucher word and number — whatever the spelling
(the generator writes 记-202403-017; a ledger that numbers vouchers per month shows 记-17 in March
2024, and the voucher rules key a flag by period and number as shown: 2024-03/记-17,
2024-03/记-202403-017). A voucher key without a period is compared as written. Used by the
end-to-end tests and by `python -m samplegen.evaluate WORKSPACE SAMPLE_DIR` to print the table for a closing note.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import polars as pl

KEY = ["rule_id", "village_code", "subject_key"]
VOUCHER_RULES = ("D01", "D02", "D03", "D04", "D05", "D06")
_MATCH = ["rule_id", "village_code", "_match"]
_NOT_WORD = re.compile(r"[\d\s\-_/.:：()（）年月期第号字]")


def voucher_identity(part: str) -> str | None:
    """记-202403-017, 2024-03/记-17, 2024-03/记-202403-017, 2024年3月记字第17号 -> "记|202403|17";
    None without a period, or when a date's period and the number's own period disagree."""
    word = _NOT_WORD.sub("", part)
    nums = re.findall(r"\d+", part)
    if len(nums) in (2, 4) and len(nums[-2]) == 6:  # the number carries its period (记-202403-017)
        year, month, number = nums[-2][:4], nums[-2][4:], nums[-1]
        if len(nums) == 4 and (len(nums[0]) != 4 or int(nums[0]) != int(year) or int(nums[1]) != int(month)):
            return None
    elif len(nums) == 3 and len(nums[0]) == 4 and len(nums[1]) <= 2:
        year, month, number = nums
    else:
        return None
    if not word or not 1 <= int(month) <= 12:
        return None
    return f"{word}|{int(year):04d}{int(month):02d}|{int(number)}"


def match_key(rule_id: str, subject_key: str | None) -> str | None:
    """The subject as compared: voucher lists by identity (sorted), everything else as written."""
    if subject_key is None or rule_id not in VOUCHER_RULES:
        return subject_key
    parts = [voucher_identity(p.strip()) for p in subject_key.split(";")]
    return subject_key if None in parts else ";".join(sorted(parts))


def _with_match(frame: pl.DataFrame) -> pl.DataFrame:
    frame = frame.with_columns(pl.col(KEY).cast(pl.String))
    return frame.with_columns(
        pl.struct("rule_id", "subject_key")
        .map_elements(lambda r: match_key(r["rule_id"], r["subject_key"]), return_dtype=pl.String)
        .alias("_match")
    )


def read_ground_truth(sample_dir: Path) -> pl.DataFrame:
    return pl.read_csv(sample_dir / "ground_truth.csv", infer_schema=False, encoding="utf8-lossy")


def compare(flags: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Per rule: expected, found, flags, true flags, recall, precision (plus a total row)."""
    truth_keys = _with_match(truth.select(KEY)).select(_MATCH).unique()
    flag_keys = _with_match(flags.select(KEY)).select(_MATCH)
    flagged_truth = truth_keys.join(flag_keys.unique(), on=_MATCH, how="semi")
    true_flags = flag_keys.join(truth_keys, on=_MATCH, how="semi")
    rules = sorted(set(truth_keys["rule_id"]) | set(flag_keys["rule_id"]))

    def count(frame: pl.DataFrame, rule: str | None) -> int:
        return frame.height if rule is None else frame.filter(pl.col("rule_id") == rule).height

    rows = []
    for rule in [*rules, None]:
        expected, found = count(truth_keys, rule), count(flagged_truth, rule)
        n_flags, n_true = count(flag_keys, rule), count(true_flags, rule)
        rows.append(
            {
                "rule_id": rule or "合计",
                "expected": expected,
                "found": found,
                "flags": n_flags,
                "true_flags": n_true,
                "recall": round(found / expected, 4) if expected else None,
                "precision": round(n_true / n_flags, 4) if n_flags else None,
            }
        )
    return pl.DataFrame(rows)


def missed(flags: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    found = _with_match(flags.select(KEY)).select(_MATCH).unique()
    return _with_match(truth).join(found, on=_MATCH, how="anti").drop("_match")


def false_flags(flags: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    expected = _with_match(truth.select(KEY)).select(_MATCH).unique()
    return _with_match(flags).join(expected, on=_MATCH, how="anti").drop("_match")


def main(argv: list[str]) -> None:  # pragma: no cover - a reporting tool
    workspace, sample_dir = Path(argv[0]), Path(argv[1])
    flags = pl.read_csv(workspace / "flags.csv", infer_schema=False)
    truth = read_ground_truth(sample_dir)
    pl.Config.set_tbl_rows(100)
    print(compare(flags, truth))
    m, f = missed(flags, truth), false_flags(flags, truth)
    if m.height:
        print("missed:", m)
    if f.height:
        print("false flags:", f.select(*KEY, "summary"))


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])

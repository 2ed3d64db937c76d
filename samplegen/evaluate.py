"""Compare flags with a sample's ground_truth.csv: recall and precision per rule.

A flag is true when its (rule_id, village_code, subject_key) is listed in ground truth; a ground
truth row is found when at least one flag has its triple. Used by the end-to-end test and by
`python -m samplegen.evaluate WORKSPACE SAMPLE_DIR` to print the table for a closing note.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

KEY = ["rule_id", "village_code", "subject_key"]


def read_ground_truth(sample_dir: Path) -> pl.DataFrame:
    return pl.read_csv(sample_dir / "ground_truth.csv", infer_schema=False, encoding="utf8-lossy")


def compare(flags: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Per rule: expected, found, flags, true flags, recall, precision (plus a total row)."""
    truth_keys = truth.select(KEY).unique()
    flag_keys = flags.select(KEY).with_columns(pl.col(KEY).cast(pl.String))
    flagged_truth = truth_keys.join(flag_keys.unique(), on=KEY, how="semi")
    true_flags = flag_keys.join(truth_keys, on=KEY, how="semi")
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
    return truth.join(flags.select(KEY).with_columns(pl.col(KEY).cast(pl.String)).unique(), on=KEY, how="anti")


def false_flags(flags: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    return flags.with_columns(pl.col(KEY).cast(pl.String)).join(truth.select(KEY).unique(), on=KEY, how="anti")


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

"""samplegen.evaluate: recall and precision against ground truth, voucher subjects compared by identity."""

from __future__ import annotations

import polars as pl

from samplegen.evaluate import compare, false_flags, match_key, missed, voucher_identity


def test_voucher_identity_whatever_the_spelling():
    same = ["记-202403-017", "2024-03/记-17", "2024-03/记-202403-017", "2024年3月记字第17号", "202403记-17"]
    assert {voucher_identity(s) for s in same} == {"记|202403|17"}
    assert voucher_identity("记-202403-018") != voucher_identity("记-202403-017")
    assert voucher_identity("记-202404-017") != voucher_identity("记-202403-017")
    assert voucher_identity("付-202403-017") != voucher_identity("记-202403-017")
    assert voucher_identity("记-17") is None  # no period: not an identity
    assert voucher_identity("2024-04/记-202403-017") is None  # the date and the number disagree


def test_only_voucher_rules_are_compared_by_identity():
    assert match_key("D02", "2024-03 记-17;2024-02 记-1") == match_key("D02", "记-202402-001;记-202403-017")
    assert match_key("D02", "记-17") == "记-17"
    assert match_key("D10", "DL2015-001") == "DL2015-001"
    assert match_key("A01", "611021195001011234") == "611021195001011234"


def test_compare_missed_and_false_flags():
    truth = pl.DataFrame({"rule_id": ["D01", "A01", "A01"], "village_code": ["v1", "v1", "v2"],
                          "subject_key": ["记-202403-017", "p1", "p2"], "note": ["", "", ""]})
    flags = pl.DataFrame({"rule_id": ["D01", "A01", "B01"], "village_code": ["v1", "v1", "v1"],
                          "subject_key": ["2024-03 记-17", "p1", "acct"], "summary": ["a", "b", "c"]})
    total = compare(flags, truth).filter(pl.col("rule_id") == "合计").row(0, named=True)
    assert (total["expected"], total["found"], total["flags"], total["true_flags"]) == (3, 2, 3, 2)
    assert missed(flags, truth)["subject_key"].to_list() == ["p2"]
    assert false_flags(flags, truth)["subject_key"].to_list() == ["acct"]

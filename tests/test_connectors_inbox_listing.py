"""Listing an inbox: each file hashed once (two at a time), copies and unreadable files set aside."""

from __future__ import annotations

import hashlib

import connectors.inbox as inbox_mod
from connectors.inbox import list_inbox


def test_copies_and_unreadable_files_are_told_each_by_its_own_hash(tmp_path, monkeypatch) -> None:
    box = tmp_path / "inbox"
    (box / "民政").mkdir(parents=True)
    contents = {f"民政/名册{i}.csv": f"姓名,身份证号\n张{i},{i}\n".encode() for i in range(6)}
    contents["民政/名册3 - 副本.csv"] = contents["民政/名册3.csv"]
    contents["民政/坏文件.csv"] = b"x,y\n1,2\n"
    for name, data in contents.items():
        (box / name).write_bytes(data)
    real = inbox_mod.sha256_file

    def hashing(p):
        if p.name == "坏文件.csv":
            raise PermissionError(13, "Permission denied")
        return real(p)

    monkeypatch.setattr(inbox_mod, "sha256_file", hashing)
    listing = list_inbox(box)
    assert listing.skipped == [("民政/坏文件.csv", "无法读取（权限不足或已被删除）")]
    assert listing.duplicates == [("民政/名册3 - 副本.csv", "民政/名册3.csv")]
    expected = {name: hashlib.sha256(data).hexdigest() for name, data in contents.items() if "坏" not in name}
    assert listing.hashes == expected
    assert sorted(p.relative_to(box).as_posix() for p in listing.files) == sorted(
        n for n in expected if "副本" not in n)

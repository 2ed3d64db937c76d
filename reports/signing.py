"""Team workbooks carry a signature of the run and village they were issued for, so that
`import-feedback` takes back only what this workspace issued, and only for that village.

The signature is an HMAC-SHA256 of (run stamp, village code) under a key kept in the workspace
(`feedback.key`, owner-only, made on first use). It sits in the workbook's custom document
properties, which Excel, WPS and LibreOffice keep when a team saves the file. It proves the file
was made here for that village; it does not stop a team from editing the cells of its own list.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from openpyxl.packaging.custom import StringProperty

KEY_FILE = "feedback.key"
PROP_RUN = "xuncha_run"
PROP_VILLAGE = "xuncha_village"
PROP_SIGNATURE = "xuncha_signature"


def workspace_key(workspace: Path) -> bytes:
    """The workspace's signing key, made (owner-only) the first time it is asked for."""
    path = Path(workspace) / KEY_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made by another process meanwhile
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key.hex())
    return key


def signature(key: bytes, run_stamp: str, village_code: str) -> str:
    message = f"xuncha-team-workbook\n{run_stamp}\n{village_code}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign(wb, key: bytes | None, run_stamp: str, village_code: str) -> None:
    """Put the signature of (run, village) into the workbook's custom properties."""
    if key is None:
        return
    props = wb.custom_doc_props
    props.append(StringProperty(name=PROP_RUN, value=run_stamp))
    props.append(StringProperty(name=PROP_VILLAGE, value=village_code))
    props.append(StringProperty(name=PROP_SIGNATURE, value=signature(key, run_stamp, village_code)))


def signed_village(wb, key: bytes) -> str | None:
    """The village a loaded workbook was issued for, when its signature is this workspace's; else None."""
    try:
        props = {p.name: p.value for p in wb.custom_doc_props}
    except (AttributeError, TypeError):
        return None
    return _signed(props, key)


def signed_village_of(custom_xml: bytes | None, key: bytes) -> str | None:
    """signed_village from a workbook's custom properties part (docProps/custom.xml), read as openpyxl
    reads it, without loading the workbook."""
    if not custom_xml:
        return None
    from openpyxl.packaging.custom import CustomPropertyList
    from openpyxl.xml.functions import fromstring

    props = {p.name: p.value for p in CustomPropertyList.from_tree(fromstring(custom_xml))}
    return _signed(props, key)


def _signed(props: dict, key: bytes) -> str | None:
    run, village, sig = props.get(PROP_RUN), props.get(PROP_VILLAGE), props.get(PROP_SIGNATURE)
    if not (isinstance(run, str) and isinstance(village, str) and isinstance(sig, str)):
        return None
    return village if hmac.compare_digest(sig, signature(key, run, village)) else None

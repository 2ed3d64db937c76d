"""The workspace config: defaults, strictness, messages that name the key and the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from xuncha.config import ConfigError, load_config


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    cfg = load_config(tmp_path / "xuncha.toml")
    assert cfg.scoring.key_village_top_share == 0.1
    assert "配偶" in cfg.kinship.relations


def test_unknown_key_names_key_and_file(tmp_path: Path) -> None:
    path = tmp_path / "xuncha.toml"
    path.write_text("[scoring]\nkey_village_top_shar = 0.3\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert "scoring.key_village_top_shar" in str(e.value) and str(path) in str(e.value)


def test_unknown_section_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "xuncha.toml"
    path.write_text("[scorng]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="scorng"):
        load_config(path)


def test_values_are_read(tmp_path: Path) -> None:
    path = tmp_path / "xuncha.toml"
    path.write_text(
        '[connectors.village_aliases]\n"东岭" = "611021100201"\n[rules.A07]\nmin_age = 70\n', encoding="utf-8"
    )
    cfg = load_config(path)
    assert cfg.connectors.village_aliases == {"东岭": "611021100201"}
    assert cfg.rules["A07"] == {"min_age": 70}


def test_broken_toml_is_reported_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "xuncha.toml"
    path.write_text("[scoring\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="格式错误"):
        load_config(path)


def test_every_config_key_is_documented() -> None:
    from pydantic import BaseModel

    from xuncha.config import WorkspaceConfig

    doc = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text(encoding="utf-8")
    for section, field in WorkspaceConfig.model_fields.items():
        assert f"[{section}" in doc, f"section [{section}] is not documented"
        model = field.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            for key in model.model_fields:
                assert f"`{key}`" in doc, f"{section}.{key} is not documented in docs/configuration.md"

"""Config resolution (defaults <- file <- overrides), parse errors that name the file/key, and the config hash."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tinysr_train.config import (
    CONFIG_DIR,
    ConfigError,
    config_diff,
    config_hash,
    load_config,
    save_resolved_config,
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def defaults(tmp_path: Path) -> Path:
    return write(
        tmp_path / "base.yaml",
        "seed: 0\nmodel: {registry: tinysr, checkpoint: null}\nexport: {opset: 17, fp16: true, license: {id: MIT}}\n",
    )


def test_file_overrides_defaults_and_command_line_overrides_file(tmp_path: Path, defaults: Path) -> None:
    config = write(tmp_path / "run.yaml", "seed: 5\nexport: {opset: 18}\nextra: {added: 1}\n")
    cfg = load_config(config, ["export.opset=19", "model.checkpoint=runs/a.pt"], defaults=defaults)
    assert cfg == {
        "seed": 5,  # file beats defaults
        "model": {"registry": "tinysr", "checkpoint": "runs/a.pt"},  # override beats defaults
        "export": {"opset": 19, "fp16": True, "license": {"id": "MIT"}},  # nested merge keeps untouched keys
        "extra": {"added": 1},  # a file may add sections the defaults lack
    }


def test_file_names_its_defaults(tmp_path: Path, defaults: Path) -> None:
    config = write(tmp_path / "run.yaml", f"defaults: {defaults}\nseed: 3\n")
    cfg = load_config(config)
    assert cfg["seed"] == 3 and cfg["model"]["registry"] == "tinysr"
    assert "defaults" not in cfg


def test_override_values_are_yaml_scalars(defaults: Path) -> None:
    cfg = load_config(
        None,
        ["seed=7", "export.fp16=false", "model.registry=null", "export.license.id='0.5'", "+export.sizes=[1, 2]"],
        defaults=defaults,
    )
    assert cfg["seed"] == 7 and cfg["export"]["fp16"] is False and cfg["model"]["registry"] is None
    assert cfg["export"]["license"]["id"] == "0.5" and cfg["export"]["sizes"] == [1, 2]


def test_unknown_override_key_is_refused_unless_added_with_plus(defaults: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(None, ["export.opst=18"], defaults=defaults)
    assert caught.value.code == "CONFIG_UNKNOWN_KEY"
    assert "export.opst" in str(caught.value) and "opset" in str(caught.value)  # names the key and the known ones
    assert load_config(None, ["+train.lr=0.001"], defaults=defaults)["train"] == {"lr": 0.001}


def test_override_through_a_value_names_the_key(defaults: Path) -> None:
    with pytest.raises(ConfigError, match="'seed' is a int, expected a section") as caught:
        load_config(None, ["seed.value=1"], defaults=defaults)
    assert caught.value.code == "CONFIG_UNKNOWN_KEY"


@pytest.mark.parametrize(
    ("override", "code"),
    [("export.opset", "CONFIG_OVERRIDE_SYNTAX"), ("=3", "CONFIG_OVERRIDE_SYNTAX"), ("a..b=1", "CONFIG_OVERRIDE_SYNTAX"),
     ("seed=[1, 2", "CONFIG_OVERRIDE_VALUE")],
)
def test_malformed_overrides(defaults: Path, override: str, code: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(None, [override], defaults=defaults)
    assert caught.value.code == code and repr(override) in str(caught.value)


def test_yaml_syntax_error_names_the_file_and_line(tmp_path: Path, defaults: Path) -> None:
    broken = write(tmp_path / "broken.yaml", "seed: 1\nexport: {opset: 17\n")
    with pytest.raises(ConfigError) as caught:
        load_config(broken, defaults=defaults)
    assert caught.value.code == "CONFIG_PARSE"
    assert str(broken) in str(caught.value) and "line" in str(caught.value)


def test_missing_and_non_mapping_files(tmp_path: Path, defaults: Path) -> None:
    with pytest.raises(ConfigError) as missing:
        load_config(tmp_path / "nope.yaml", defaults=defaults)
    assert missing.value.code == "CONFIG_NOT_FOUND" and "nope.yaml" in str(missing.value)
    with pytest.raises(ConfigError) as listed:
        load_config(write(tmp_path / "list.yaml", "- 1\n- 2\n"), defaults=defaults)
    assert listed.value.code == "CONFIG_INVALID" and "mapping" in str(listed.value)


def test_values_json_cannot_hold_are_refused_with_their_key(tmp_path: Path, defaults: Path) -> None:
    dated = write(tmp_path / "dated.yaml", "export: {released: 2024-01-02}\n")
    with pytest.raises(ConfigError, match="'export.released' holds a date") as caught:
        load_config(dated, defaults=defaults)
    assert caught.value.code == "CONFIG_INVALID"


def test_config_hash_is_canonical() -> None:
    cfg = {"b": [1, 2.5, None], "a": {"y": "é", "x": True}}
    reordered = {"a": {"x": True, "y": "é"}, "b": [1, 2.5, None]}
    assert config_hash(cfg) == config_hash(reordered)
    # Pinned (= sha256 of {"a":{"x":true,"y":"é"},"b":[1,2.5,null]}): a change to the canonical serialisation
    # would silently orphan every stored hash.
    assert config_hash(cfg) == "c0fe1008187ab3710e6188f5ce6929fea36abee5a63e1426492a7edd4bb27871"
    assert config_hash({**cfg, "b": [1, 2.5]}) != config_hash(cfg)


def test_saved_resolved_config_reloads_identically(tmp_path: Path, defaults: Path) -> None:
    cfg = load_config(None, ["seed=9"], defaults=defaults)
    saved = save_resolved_config(cfg, tmp_path / "artifact")
    text = saved.read_text(encoding="utf-8")
    assert text.startswith(f"# Resolved tinysr-train config. configHash: {config_hash(cfg)}")
    assert yaml.safe_load(text) == cfg
    assert load_config(saved, defaults=defaults) == cfg


def test_config_diff_lists_dotted_keys() -> None:
    assert config_diff({"a": {"b": 1, "c": 2}, "d": 3}, {"a": {"b": 1, "c": 4}, "e": 5}) == ["a.c", "d", "e"]


@pytest.mark.parametrize("path", sorted(CONFIG_DIR.glob("export-*.yaml")), ids=lambda p: p.name)
def test_shipped_export_configs_resolve(path: Path) -> None:
    cfg = load_config(path)
    assert cfg["export"]["id"] and cfg["export"]["name"]


def test_a_recipe_may_build_on_another_recipe(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text("seed: 1\nexport: {opset: 17, fp16: true}\n")
    (tmp_path / "recipe.yaml").write_text(f"defaults: {tmp_path / 'base.yaml'}\nseed: 2\nstage: {{steps: 10, lr: 0.1}}\n")
    (tmp_path / "smaller.yaml").write_text(f"defaults: {tmp_path / 'recipe.yaml'}\nstage: {{steps: 3}}\n")
    cfg = load_config(tmp_path / "smaller.yaml")
    assert cfg == {"seed": 2, "export": {"opset": 17, "fp16": True}, "stage": {"steps": 3, "lr": 0.1}}


STAGE_DIRS = {
    "teacher_vae": "teacher-vae", "teacher_latent": "teacher-latent", "vae_encoder": "vae-encoder",
    "vae_decoder": "vae-decoder", "prune": "prune", "recoverability": "recoverability", "restore1": "restore1",
    "restore2": "restore2", "eval": "eval",
}


@pytest.mark.parametrize(
    ("recipe", "runs"),
    [("recipe-small", "runs/small"), ("recipe-cpu", "runs/cpu"), ("recipe-warm", "runs/warm"),
     ("recipe-warm-smoke", "runs/warm-smoke"), ("recipe-smoke", "runs/smoke")],
)
def test_every_stage_run_dir_derives_from_paths_runs(recipe: str, runs: str) -> None:
    cfg = load_config(CONFIG_DIR / f"{recipe}.yaml")
    assert cfg["paths"]["runs"] == runs
    assert {section: cfg[section]["run_dir"] for section in STAGE_DIRS} == {
        section: f"{runs}/{name}" for section, name in STAGE_DIRS.items()
    }


def test_run_dir_follows_a_paths_override_unless_set_itself() -> None:
    cfg = load_config(
        CONFIG_DIR / "recipe-small.yaml", ["paths.runs=elsewhere", "restore1.run_dir=mine"]
    )
    assert cfg["teacher_vae"]["run_dir"] == "elsewhere/teacher-vae"
    assert cfg["restore1"]["run_dir"] == "mine"


def test_the_smoke_recipe_builds_on_the_small_one_and_drops_its_evaluation_sets() -> None:
    assert yaml.safe_load((CONFIG_DIR / "recipe-smoke.yaml").read_text(encoding="utf-8"))["defaults"] == (
        "recipe-small.yaml"
    )
    smoke, small = load_config(CONFIG_DIR / "recipe-smoke.yaml"), load_config(CONFIG_DIR / "recipe-small.yaml")
    assert smoke["model"]["registry"] == "tinysr-test" and smoke["teacher_vae"]["steps"] == 2
    assert smoke["vae_decoder"]["perceptual"] == small["vae_decoder"]["perceptual"]  # inherited, not copied
    from tinysr_train.eval.settings import EvalSettings

    assert [s.name for s in EvalSettings.from_config(smoke).sets] == ["smoke-pairs"]

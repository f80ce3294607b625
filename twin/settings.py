"""Settings: config.yaml, overridden by TWIN__SECTION__KEY environment variables.

pydantic-settings reads the environment (nested keys, lists and maps as JSON); the YAML file is
read here so that its errors name the file. Secrets never live here: they are read from the
environment where they are used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_settings import EnvSettingsSource, SettingsError

from twin.sections.base import Section
from twin.sections.console import ConsoleSettings
from twin.sections.persona import (
    AnswerSettings,
    AuditSettings,
    LLMSettings,
    PersonaSettings,
    PolicySettings,
)
from twin.sections.render import RenderSettings
from twin.sections.retrieval import AccessSettings, RetrievalSettings
from twin.sections.slack import SlackSettings
from twin.sections.tasks import TaskSettings

__all__ = ["ConfigError", "Settings", "load_settings"]

ENV_PREFIX = "TWIN__"
DEFAULT_CONFIG = "config.yaml"


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and the problem."""


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
    console: ConsoleSettings = ConsoleSettings()
    tasks: TaskSettings = TaskSettings()

    home: Path = Path(".twin")
    database_url: str = ""

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'twin.db'}"


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read config (``path``, else ``TWIN_CONFIG``, else ./config.yaml if present) and the env."""
    env = os.environ if environ is None else environ
    chosen = path or env.get("TWIN_CONFIG")
    data = _read_yaml(Path(chosen)) if chosen else _read_yaml_if_present(Path(DEFAULT_CONFIG))
    if "home" in data:
        raise ConfigError("config error: home: set the TWIN_HOME environment variable instead")
    data = _merge(data, _from_environment(env))
    data["home"] = env.get("TWIN_HOME", ".twin")
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


class _Environment(EnvSettingsSource):
    """pydantic-settings' environment source, reading a given mapping instead of os.environ."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = {k.lower(): v for k, v in environ.items() if k.startswith(ENV_PREFIX)}
        super().__init__(
            Settings,  # type: ignore[arg-type]  # a plain model: only its fields are read
            env_prefix=ENV_PREFIX,
            env_nested_delimiter="__",
            case_sensitive=False,
        )

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return self._environ


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    try:
        source = _Environment(environ)
        return source()
    except SettingsError as exc:
        raise ConfigError(f"config error: environment: {exc}") from None


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


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


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"])
        problem = "unknown setting" if error["type"] == "extra_forbidden" else error["msg"]
        lines.append(f"config error: {key}: {problem}")
    return "\n".join(lines)

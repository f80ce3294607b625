"""App Home: what the twin is, whose words it draws on, the disclosure, and what it knows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk import WebClient

from bot.blocks import HomeCard, home_view

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["publish_home"]


def publish_home(services: Services, client: WebClient, user: str) -> None:
    persona = services.settings.persona
    stats = services.corpus.stats()
    card = HomeCard(
        persona=persona.name,
        title=persona.title,
        company=persona.company,
        disclosure=persona.disclosure,
        command=services.slack.command,
        by_kind=stats.by_kind,
        first=stats.first,
        last=stats.last,
    )
    client.views_publish(user_id=user, view=home_view(card))

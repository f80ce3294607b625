"""App Home: published for a user when they open the twin's Home tab."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk import WebClient

from bot.blocks.home import HomeCard, home_view
from retrieval.corpus import Corpus

if TYPE_CHECKING:
    from twin.sections.persona import PersonaSettings

__all__ = ["Home"]


class Home:
    def __init__(self, corpus: Corpus, persona: PersonaSettings, command: str) -> None:
        self.corpus = corpus
        self.persona = persona
        self.command = command

    def publish(self, client: WebClient, user: str) -> None:
        stats = self.corpus.stats()
        card = HomeCard(
            persona=self.persona.name,
            title=self.persona.title,
            company=self.persona.company,
            disclosure=self.persona.disclosure,
            sources=self.persona.sources,
            command=self.command,
            by_kind=stats.by_kind,
            first=stats.first,
            last=stats.last,
        )
        client.views_publish(user_id=user, view=home_view(card))

"""What every command shares: the settings, and the corpus built from them on first use."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import click

from twin.settings import Settings

if TYPE_CHECKING:
    from retrieval.corpus import Corpus


class App:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def corpus(self) -> Corpus:
        from retrieval.corpus import Corpus

        return Corpus(self.settings)


pass_app = click.make_pass_decorator(App)

"""The face-renderer seam: what turns a timeline into frames, chosen per avatar pack.

An avatar pack's manifest names its renderer (`"renderer": "photo"`; packs without the key are
"illustrated"). A renderer is built once per pack and size and then draws every clip:
`frames(timeline)` yields I420 buffers of size x size. Built in:

- "illustrated": layers pasted over a portrait (render.frames.Compositor);
- "photo": one photo animated by landmark-guided warps (render.photo_frames.PhotoCompositor).

A neural lip-sync renderer on GPU workers (see deploy/gpu-renderer.md) registers here too:
`register_face_renderer("musetalk", "mypkg.musetalk:MuseTalkRenderer")`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from render.errors import AvatarPackError

if TYPE_CHECKING:
    from render.avatar import AvatarPack
    from render.timeline import Timeline

__all__ = ["FaceRenderer", "create_face_renderer", "face_renderer_names", "register_face_renderer"]


class FaceRenderer:
    """Frames of one avatar pack at one size. `margin` is the largest head offset in pixels."""

    kind: ClassVar[str] = ""

    def __init__(self, pack: AvatarPack, size: int, margin: int) -> None:
        self.pack, self.size, self.margin = pack, size, margin

    def frames(self, timeline: Timeline) -> Iterator[np.ndarray]:
        """One I420 buffer (size * size * 3 / 2 bytes) per frame; a buffer may be reused."""
        raise NotImplementedError

    def frame_rgb(
        self, shape: str = "X", eyes: str = "open", offset: tuple[int, int] = (0, 0)
    ) -> np.ndarray:
        """One still frame as (size, size, 3) RGB."""
        raise NotImplementedError


Factory = Callable[["AvatarPack", int, int], FaceRenderer]
_RENDERERS: dict[str, Factory | str] = {
    "illustrated": "render.frames:Compositor",
    "photo": "render.photo_frames:PhotoCompositor",
}


def register_face_renderer(kind: str, factory: Factory | str) -> None:
    """Add a renderer: a factory(pack, size, margin), or "module:attribute" imported on use."""
    _RENDERERS[kind] = factory


def face_renderer_names() -> list[str]:
    return sorted(_RENDERERS)


def create_face_renderer(pack: AvatarPack, size: int, margin: int) -> FaceRenderer:
    """The renderer the pack's manifest names, built for this size."""
    factory = _RENDERERS.get(pack.renderer)
    if factory is None:
        raise AvatarPackError(
            f"{pack.root}: renderer {pack.renderer!r} is not known "
            f"(known: {', '.join(face_renderer_names())})"
        )
    if isinstance(factory, str):
        module, _, attribute = factory.partition(":")
        factory = getattr(importlib.import_module(module), attribute)
    return factory(pack, size, margin)

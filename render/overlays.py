"""What is drawn over the avatar: the "AI-generated" badge (always) and burned-in captions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from render.tts import SentenceSpan

__all__ = [
    "BADGE_COLOUR",
    "BADGE_TEXT",
    "Cue",
    "Patch",
    "badge_patch",
    "caption_cues",
    "caption_patch",
]

BADGE_TEXT = "AI-generated"
BADGE_COLOUR = (255, 196, 0)
BADGE_INK = (20, 20, 20)
CAPTION_BAND = (24, 28, 36)
CAPTION_INK = (255, 255, 255)
CAPTION_LINES = 2


@dataclass
class Patch:
    """An opaque RGB block to copy onto a frame at (x, y)."""

    x: int
    y: int
    pixels: np.ndarray

    @property
    def box(self) -> tuple[int, int, int, int]:
        height, width = self.pixels.shape[:2]
        return self.x, self.y, self.x + width, self.y + height


@dataclass(frozen=True)
class Cue:
    text: str
    start: float
    end: float


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def badge_patch(frame_size: int) -> Patch:
    """The badge for the top-left corner: dark text on amber, big enough to read on a phone."""
    font = _font(max(12, frame_size // 26))
    left, top, right, bottom = font.getbbox(BADGE_TEXT)
    pad_x, pad_y = frame_size // 64 + 4, frame_size // 128 + 3
    width = _even(round(right - left) + 2 * pad_x)
    height = _even(round(bottom - top) + 2 * pad_y)
    image = Image.new("RGB", (width, height), BADGE_COLOUR)
    ImageDraw.Draw(image).text((pad_x - left, pad_y - top), BADGE_TEXT, font=font, fill=BADGE_INK)
    margin = _even(max(6, frame_size // 40))
    return Patch(margin, margin, np.asarray(image))


def caption_cues(sentences: list[SentenceSpan], frame_size: int) -> list[Cue]:
    """Each sentence cut into cues of at most two lines; each cue gets a share of the
    sentence's time by its length."""
    font = _font(_caption_font_size(frame_size))
    width = frame_size * 0.9
    cues = []
    for sentence in sentences:
        lines = _wrap(sentence.text, font, width)
        chunks = [
            " ".join(lines[i : i + CAPTION_LINES]) for i in range(0, len(lines), CAPTION_LINES)
        ]
        total = sum(len(c) for c in chunks)
        t = sentence.start
        for chunk in chunks:
            end = t + (sentence.end - sentence.start) * len(chunk) / total
            cues.append(Cue(chunk, t, end))
            t = end
    return cues


def caption_patch(text: str, frame_size: int) -> Patch:
    """An opaque band across the bottom of the frame with the cue's text centred in it."""
    size = _caption_font_size(frame_size)
    font = _font(size)
    lines = _wrap(text, font, frame_size * 0.9)
    line_height = round(size * 1.25)
    height = _even(line_height * CAPTION_LINES + size // 2 + 8)
    image = Image.new("RGB", (frame_size, height), CAPTION_BAND)
    draw = ImageDraw.Draw(image)
    y = (height - line_height * len(lines)) // 2
    for line in lines:
        draw.text((frame_size / 2, y), line, font=font, fill=CAPTION_INK, anchor="ma")
        y += line_height
    return Patch(0, frame_size - height, np.asarray(image))


def _even(value: int) -> int:
    """Sizes and positions are kept even: frames are 4:2:0, with one colour sample per 2x2."""
    return value + value % 2


def _caption_font_size(frame_size: int) -> int:
    return max(12, frame_size // 24)


def _wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines

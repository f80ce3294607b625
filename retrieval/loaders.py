"""Loaders: a file on disk becomes a LoadedDocument (text or speaker turns, plus metadata).

Every failure is a LoadError whose message says what is wrong with the file, so that an
ingestion batch can report it and go on.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import yaml

from retrieval.dates import Dated, date_in_name, date_in_text, date_of

SUPPORTED_SUFFIXES = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx", ".vtt", ".srt"}

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
SPEAKER_LINE = re.compile(
    r"^(?:\[(?P<ts>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)\]\s*)?"
    r"(?P<speaker>[A-Z][\w.'\u2019-]*(?:[ ][\w.'\u2019()&-]+){0,5}):\s+(?P<text>\S.*)$"
)
CUE_TIMING = re.compile(r"^(?P<start>[\d:.,]+)\s+-->\s+[\d:.,]+")
VOICE_TAG = re.compile(r"<v(?:\.[\w.]+)?\s+(?P<speaker>[^>]+)>(?P<text>.*?)(?:</v>|$)", re.DOTALL)
VTT_TITLE = re.compile(r"^NOTE title:\s*(.+)$", re.MULTILINE)
HTML_TAG = re.compile(r"</?[a-z][^>]*>", re.IGNORECASE)


class LoadError(Exception):
    """The file cannot be ingested; str(error) is the reason."""


@dataclass
class Turn:
    speaker: str | None
    text: str
    start: str | None = None


@dataclass
class LoadedDocument:
    title: str
    text: str
    kind: str  # "memo" or "meeting"
    date: date | None = None
    date_precision: str | None = None  # "day", "month" or "year" (retrieval.dates)
    date_source: str | None = None  # where the date came from (retrieval.dates.SOURCES)
    audience: list[str] | None = None  # from the file itself; None when it does not say
    turns: list[Turn] = field(default_factory=list)
    sha256: str = ""  # of the file's bytes


def load_document(path: Path, max_bytes: int) -> LoadedDocument:
    """Read one file; raise LoadError naming the problem."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(f"unsupported file type '{suffix or path.name}'")
    size = path.stat().st_size
    if size == 0:
        raise LoadError("empty file")
    if size > max_bytes:
        raise LoadError(
            f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit "
            "(retrieval.max_file_mb)"
        )
    data = path.read_bytes()
    meta: dict[str, Any]
    if suffix == ".pdf":
        text, meta = _pdf_text(data)
    elif suffix == ".docx":
        text, meta = _docx_text(data)
    else:
        text, meta = decode_text(data), {}
    doc = _build(path, suffix, text, meta)
    doc.sha256 = hashlib.sha256(data).hexdigest()
    return doc


def decode_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise LoadError("binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(
            f"unreadable encoding: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start});"
            " save the file as UTF-8"
        ) from None


def _build(path: Path, suffix: str, text: str, meta: dict[str, Any]) -> LoadedDocument:
    front, body = split_front_matter(text)
    turns: list[Turn] = []
    if suffix in (".html", ".htm"):
        body, meta = _html_text(body)
    elif suffix == ".vtt":
        turns = _vtt_turns(body)
        note = VTT_TITLE.search(body)
        meta = {"title": note.group(1).strip()} if note else meta
    elif suffix == ".srt":
        turns = _srt_turns(body)
    elif suffix == ".txt":
        turns = _transcript_turns(body)
    if turns:
        body = "\n".join(f"{t.speaker}: {t.text}" if t.speaker else t.text for t in turns)
    if not body.strip():
        raise LoadError("no text found in the file")
    kind = str(front.get("kind") or ("meeting" if turns else "memo"))
    if kind not in ("memo", "meeting"):
        raise LoadError(f"front matter kind '{kind}' is not memo or meeting")
    dated = find_date(path, front, meta, body)
    return LoadedDocument(
        title=str(front.get("title") or meta.get("title") or _heading(body) or _title_from(path)),
        text=body.strip(),
        kind=kind,
        date=dated.date if dated else None,
        date_precision=dated.precision if dated else None,
        date_source=dated.source if dated else None,
        audience=_audience(front.get("audience")),
        turns=turns,
    )


def find_date(path: Path, front: dict[str, Any], meta: dict[str, Any], body: str) -> Dated | None:
    """The document's date from its front matter, file name, text or metadata, in that order
    (see retrieval.dates); a front matter date that is not a date is an error."""
    if front.get("date") is not None:
        dated = date_of(front["date"], "front matter")
        if dated is None:
            raise LoadError(f"front matter date '{front['date']}' is not a date (e.g. 2025-03-14)")
        return dated
    return date_in_name(path) or date_in_text(body) or date_of(meta.get("date"), "metadata")


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        front = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise LoadError(f"front matter is not valid YAML ({exc.__class__.__name__})") from None
    if not isinstance(front, dict):
        raise LoadError("front matter must be a mapping of fields")
    return front, text[match.end() :]


def _audience(value: Any) -> list[str] | None:
    if value is None:
        return None
    groups = value if isinstance(value, list) else str(value).split(",")
    return [str(group).strip() for group in groups if str(group).strip()] or None


def _heading(body: str) -> str | None:
    match = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
    return match.group(1).strip() if match else None


def _title_from(path: Path) -> str:
    stem = DATE_IN_NAME.sub("", path.stem).strip(" -_")
    return stem.replace("-", " ").replace("_", " ").strip().capitalize() or path.stem


def _pdf_text(data: bytes) -> tuple[str, dict[str, Any]]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("password-protected PDF")
        text = "\n\n".join(page.extract_text() or "" for page in reader.pages)
        info: Mapping[str, Any] = reader.metadata or {}
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(f"corrupt or truncated PDF ({exc})") from None
    if not text.strip():
        raise LoadError("PDF has no extractable text (a scan without OCR?)")
    return text, {"title": info.get("/Title"), "date": _pdf_date(info.get("/CreationDate"))}


def _pdf_date(value: Any) -> str | None:
    match = re.match(r"D:(\d{4})(\d{2})(\d{2})", str(value or ""))
    return "-".join(match.groups()) if match else None


def _docx_text(data: bytes) -> tuple[str, dict[str, Any]]:
    if not zipfile.is_zipfile(BytesIO(data)):
        raise LoadError("not a valid .docx (not a zip archive)")
    import docx

    try:
        document = docx.Document(BytesIO(data))
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise LoadError(f"corrupt .docx ({exc})") from None
    text = "\n\n".join(p.text for p in document.paragraphs if p.text.strip())
    props = document.core_properties
    return text, {"title": props.title or None, "date": props.created}


def _html_text(html: str) -> tuple[str, dict[str, Any]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "nav", "footer"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else None
    date_meta = soup.find("meta", attrs={"name": "date"})
    body = soup.body or soup
    text = body.get_text("\n", strip=True)
    return text, {"title": title, "date": date_meta.get("content") if date_meta else None}


def _vtt_turns(text: str) -> list[Turn]:
    if not text.lstrip("\ufeff").startswith("WEBVTT"):
        raise LoadError("not a WebVTT file (missing WEBVTT header)")
    return _cue_turns(text)


def _srt_turns(text: str) -> list[Turn]:
    turns = _cue_turns(text)
    if not turns:
        raise LoadError("not a SubRip file (no cues with timings)")
    return turns


def _cue_turns(text: str) -> list[Turn]:
    """Turns from WebVTT/SubRip cues; speakers from <v Name> tags or 'Name: text'."""
    turns: list[Turn] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = [line.strip() for line in block.strip().split("\n")]
        timing = next((i for i, line in enumerate(lines) if CUE_TIMING.match(line)), None)
        if timing is None:
            continue
        start = _timestamp(CUE_TIMING.match(lines[timing]).group("start"))  # type: ignore[union-attr]
        payload = " ".join(lines[timing + 1 :]).strip()
        if payload:
            _append(turns, *_speaker_of(payload), start)
    return turns


def _speaker_of(payload: str) -> tuple[str | None, str]:
    voice = VOICE_TAG.search(payload)
    if voice:
        return voice.group("speaker").strip(), HTML_TAG.sub("", voice.group("text")).strip()
    payload = HTML_TAG.sub("", payload)
    line = SPEAKER_LINE.match(payload)
    if line:
        return line.group("speaker"), line.group("text").strip()
    return None, payload


def _append(turns: list[Turn], speaker: str | None, text: str, start: str | None) -> None:
    """Consecutive cues from one named speaker are one turn."""
    if turns and speaker is not None and turns[-1].speaker == speaker:
        turns[-1].text = f"{turns[-1].text} {text}"
    else:
        turns.append(Turn(speaker=speaker, text=text, start=start))


def _transcript_turns(text: str) -> list[Turn]:
    """`Speaker Name: text` lines, when most non-empty lines look like that."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    matches = [SPEAKER_LINE.match(line) for line in lines]
    hits = sum(1 for m in matches if m)
    if hits < 3 or hits < 0.6 * len(lines):
        return []
    turns: list[Turn] = []
    for line, match in zip(lines, matches, strict=True):
        if match:
            ts = match.group("ts")
            turns.append(Turn(match.group("speaker"), match.group("text"), ts and _timestamp(ts)))
        elif turns:
            turns[-1].text = f"{turns[-1].text} {line}"
    return turns


def _timestamp(value: str) -> str:
    """00:01:02.500 / 00:01:02,500 / 01:02.500 -> 00:01:02."""
    parts = value.replace(",", ".").split(".")[0].split(":")
    parts = ["0"] * (3 - len(parts)) + parts
    return ":".join(f"{int(p):02d}" for p in parts)

import zipfile
from datetime import date
from io import BytesIO
from pathlib import Path

import docx
import pytest
from helpers import memo, pdf_bytes, write
from pypdf import PdfReader, PdfWriter

from retrieval.loaders import LoadError, load_document

LIMIT = 1_000_000


def test_markdown_front_matter_gives_title_date_audience(tmp_path: Path) -> None:
    path = write(tmp_path / "x.md", memo("Pricing reset", "2026-03-02", "We cut prices.", "exec"))
    doc = load_document(path, LIMIT)
    assert (doc.title, doc.date, doc.audience, doc.kind) == (
        "Pricing reset",
        date(2026, 3, 2),
        ["exec"],
        "memo",
    )
    assert doc.text == "We cut prices."


def test_date_and_title_from_the_file_name(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "2026-03-02-q2-priorities.md", "Ship it.\n"), LIMIT)
    assert doc.date == date(2026, 3, 2)
    assert doc.title == "Q2 priorities"
    assert doc.audience is None


def test_markdown_heading_is_the_title(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "a.md", "# Hiring plan\n\nWe hire 40 people.\n"), LIMIT)
    assert doc.title == "Hiring plan"


def test_html_text_title_and_date(tmp_path: Path) -> None:
    html = (
        "<html><head><title>Offsite notes</title><meta name='date' content='2025-09-14'>"
        "<style>p{}</style></head><body><p>We sail together.</p><script>x()</script></body></html>"
    )
    doc = load_document(write(tmp_path / "notes.html", html), LIMIT)
    assert (doc.title, doc.date, doc.text) == (
        "Offsite notes",
        date(2025, 9, 14),
        "We sail together.",
    )


def test_pdf_text_and_metadata(tmp_path: Path) -> None:
    doc = load_document(
        write(tmp_path / "board-2025-11-03.pdf", pdf_bytes("Runway is 30 months")), LIMIT
    )
    assert "Runway is 30 months" in doc.text
    assert doc.date == date(2025, 11, 3)


def test_docx_paragraphs_and_core_properties(tmp_path: Path) -> None:
    document = docx.Document()
    document.core_properties.title = "Benefits update"
    document.add_paragraph("Parental leave goes to 20 weeks.")
    document.add_paragraph("It starts in January.")
    path = tmp_path / "benefits.docx"
    document.save(str(path))
    doc = load_document(path, LIMIT)
    assert doc.title == "Benefits update"
    assert "Parental leave goes to 20 weeks." in doc.text and "January" in doc.text


def test_webvtt_voice_tags_become_turns(tmp_path: Path) -> None:
    vtt = (
        "WEBVTT\nNOTE title: All-hands\n\n"
        "00:00:01.000 --> 00:00:04.000\n<v Elena Marsh>Welcome, everyone.</v>\n\n"
        "00:00:04.000 --> 00:00:07.000\n<v Elena Marsh>Big quarter.</v>\n\n"
        "00:01:05.500 --> 00:01:09.000\n<v Priya Shah>What about hiring?</v>\n"
    )
    doc = load_document(write(tmp_path / "2026-01-10-all-hands.vtt", vtt), LIMIT)
    assert doc.kind == "meeting" and doc.title == "All-hands"
    assert [(t.speaker, t.text, t.start) for t in doc.turns] == [
        ("Elena Marsh", "Welcome, everyone. Big quarter.", "00:00:01"),
        ("Priya Shah", "What about hiring?", "00:01:05"),
    ]


def test_subrip_speaker_prefixes_become_turns(tmp_path: Path) -> None:
    srt = (
        "1\n00:00:01,000 --> 00:00:03,000\nElena Marsh: We are not raising.\n\n"
        "2\n00:00:03,500 --> 00:00:06,000\nJonah Pratt (Sales): Even for Europe?\n"
    )
    doc = load_document(write(tmp_path / "q-and-a.srt", srt), LIMIT)
    assert [(t.speaker, t.start) for t in doc.turns] == [
        ("Elena Marsh", "00:00:01"),
        ("Jonah Pratt (Sales)", "00:00:03"),
    ]


def test_plain_transcript_with_timestamps(tmp_path: Path) -> None:
    text = (
        "---\ntitle: Leadership sync\naudience: exec\nkind: meeting\n---\n"
        "[00:00:05] Elena Marsh: Let's start with cash.\n"
        "[00:01:15] Rachel Ibarra: Runway is 26 months.\n"
        "which is two more than planned.\n"
        "[00:02:00] Elena Marsh: Good. Next, hiring.\n"
    )
    doc = load_document(write(tmp_path / "2026-02-02-sync.txt", text), LIMIT)
    assert doc.kind == "meeting" and doc.audience == ["exec"]
    assert doc.turns[1].text == "Runway is 26 months. which is two more than planned."
    assert doc.turns[1].start == "00:01:15"
    assert "Rachel Ibarra: Runway is 26 months." in doc.text


def test_prose_txt_with_one_colon_is_not_a_transcript(tmp_path: Path) -> None:
    text = "Here's the short version: we grow.\nMore prose follows here.\nAnd more.\nThe end.\n"
    doc = load_document(write(tmp_path / "note.txt", text), LIMIT)
    assert doc.kind == "memo" and doc.turns == []


def _encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf_bytes("secret plans"))))
    writer.encrypt("hunter2", algorithm="RC4-128")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _zip_without_docx() -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.md", b"", "empty file"),
        ("blob.txt", b"\x00\x01\x02binary\x00", "binary file, not text"),
        ("latin.md", "Caf\xe9 r\xe9sum\xe9".encode("cp1252"), "unreadable encoding: not UTF-8"),
        ("broken.pdf", pdf_bytes("hello")[:150], "corrupt or truncated PDF"),
        ("garbage.pdf", b"%PDF-1.4 this is not really a pdf", "corrupt or truncated PDF"),
        ("locked.pdf", _encrypted_pdf(), "password-protected PDF"),
        ("fake.docx", b"plain text pretending", "not a valid .docx (not a zip archive)"),
        ("hollow.docx", _zip_without_docx(), "corrupt .docx"),
        ("cues.vtt", b"00:00:01.000 --> 00:00:02.000\nhi\n", "missing WEBVTT header"),
        ("nocues.srt", b"just words\n", "not a SubRip file"),
        ("sheet.xlsx", b"PK\x03\x04", "unsupported file type '.xlsx'"),
        ("blank.md", b"---\ntitle: x\n---\n   \n", "no text found"),
        ("front.md", b"---\ntitle: [unclosed\n---\nbody\n", "front matter is not valid YAML"),
    ],
)
def test_bad_files_raise_a_clear_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = write(tmp_path / name, content)
    with pytest.raises(
        LoadError, match=reason.replace(".", r"\.").replace("(", r"\(").replace(")", r"\)")
    ):
        load_document(path, LIMIT)


def test_files_over_the_size_limit_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "big.md", "word " * 1000)
    with pytest.raises(LoadError, match=r"over the 0\.0 MB limit \(retrieval\.max_file_mb\)"):
        load_document(path, 1000)


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "w.txt", "Customers first.".encode("utf-16"))
    assert load_document(path, LIMIT).text == "Customers first."

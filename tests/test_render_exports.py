"""The renderer's public surface is small, complete and cheap to import."""

from __future__ import annotations

import subprocess
import sys

import render


def test_every_exported_name_exists_once() -> None:
    assert len(set(render.__all__)) == len(render.__all__)
    for name in render.__all__:
        assert hasattr(render, name), name
    assert {
        "render_clip",
        "Renderer",
        "RenderResult",
        "RenderSettings",
        "RenderError",
        "TTSBackend",
        "register_backend",
        "load_pack",
    } <= set(render.__all__)


def test_importing_render_loads_no_tts_engine() -> None:
    code = "import sys, render; print('piper' in sys.modules, 'TTS' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]

"""C2PA content credentials for finished clips (optional: render.c2pa_cert and render.c2pa_key).

The manifest says the clip was made by an AI model ("trainedAlgorithmicMedia"), on top of the
visible badge every frame carries. Signing needs the c2pa-python package and a signing
certificate chain (PEM, signer first) with its private key; with no timestamp authority
configured, none is contacted, so nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from render.errors import RenderError
from twin.sections.render import RenderSettings

__all__ = ["MANIFEST", "clip_signer"]

MANIFEST: dict[str, Any] = {
    "claim_generator_info": [{"name": "ceo-twin", "version": "0.1.0"}],
    "title": "AI-generated video reply",
    "assertions": [
        {
            "label": "c2pa.actions",
            "data": {
                "actions": [
                    {
                        "action": "c2pa.created",
                        "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
                    }
                ]
            },
        }
    ],
}


def clip_signer(settings: RenderSettings) -> Callable[[Path], None] | None:
    """The step that signs a finished clip in place, or None when C2PA is not configured.
    Checks the files and the certificate now, so a bad setup fails before any encoding."""
    if not settings.c2pa_cert:
        return None
    cert, key = (_read(key, getattr(settings, key)) for key in ("c2pa_cert", "c2pa_key"))
    c2pa = _import_c2pa()

    def new_signer() -> Any:
        info = c2pa.C2paSignerInfo(
            alg=settings.c2pa_alg.encode(), sign_cert=cert, private_key=key, ta_url=None
        )
        try:
            return c2pa.Signer.from_info(info)
        except c2pa.C2paError as exc:
            raise RenderError(
                f"render.c2pa_cert: cannot sign with this certificate and key ({exc})"
            ) from None

    new_signer().close()

    def sign(path: Path) -> None:
        signed = path.with_name(path.name + ".signed")
        try:
            with (
                c2pa.Builder(json.dumps(MANIFEST)) as builder,
                open(path, "rb") as source,
                open(signed, "wb") as dest,
            ):
                builder.sign(new_signer(), "video/mp4", source, dest)
            os.replace(signed, path)
        except c2pa.C2paError as exc:
            raise RenderError(f"C2PA signing failed: {exc}") from None
        finally:
            signed.unlink(missing_ok=True)

    return sign


def _read(key: str, value: str) -> bytes:
    path = Path(value).expanduser()
    try:
        return path.read_bytes()
    except OSError as exc:
        raise RenderError(f"render.{key}: cannot read {path} ({exc.strerror})") from None


def _import_c2pa() -> Any:
    try:
        import c2pa
    except ImportError:
        raise RenderError(
            "render.c2pa_cert is set, but C2PA signing needs the optional "
            "package: pip install c2pa-python"
        ) from None
    return c2pa

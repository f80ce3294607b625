"""C2PA content credentials on finished clips (optional: needs c2pa-python and openssl)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from render.errors import RenderError
from render.pipeline import Renderer
from twin.sections.render import RenderSettings

c2pa = pytest.importorskip("c2pa")
if shutil.which("openssl") is None:
    pytest.skip("openssl is needed to make a test certificate", allow_module_level=True)

EXTENSIONS = """
[v3_root]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[v3_signer]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=emailProtection
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
"""


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway CA and an ES256 signing certificate it issued: (chain.pem, signer.key)."""
    d = tmp_path_factory.mktemp("pki")
    (d / "ext.cnf").write_text(EXTENSIONS)
    (d / "req.cnf").write_text("[req]\ndistinguished_name=dn\n[dn]\n" + EXTENSIONS)
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key", cwd=d)
    openssl(
        "req",
        "-new",
        "-x509",
        "-key",
        "ca.key",
        "-subj",
        "/CN=Test CA/O=ceo-twin tests",
        "-days",
        "2",
        "-sha256",
        "-config",
        "req.cnf",
        "-extensions",
        "v3_root",
        "-out",
        "ca.pem",
        cwd=d,
    )
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "signer.ec", cwd=d)
    openssl("pkcs8", "-topk8", "-nocrypt", "-in", "signer.ec", "-out", "signer.key", cwd=d)
    openssl(
        "req",
        "-new",
        "-key",
        "signer.key",
        "-subj",
        "/CN=ceo-twin test signer",
        "-config",
        "req.cnf",
        "-out",
        "signer.csr",
        cwd=d,
    )
    openssl(
        "x509",
        "-req",
        "-in",
        "signer.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-sha256",
        "-extfile",
        "ext.cnf",
        "-extensions",
        "v3_signer",
        "-out",
        "signer.pem",
        cwd=d,
    )
    chain = d / "chain.pem"
    chain.write_text((d / "signer.pem").read_text() + (d / "ca.pem").read_text())
    return chain, d / "signer.key"


def box_order(path: Path) -> list[str]:
    data, boxes, offset = path.read_bytes(), [], 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        boxes.append(data[offset + 4 : offset + 8].decode("latin-1"))
        offset += int.from_bytes(data[offset + 8 : offset + 16], "big") if size == 1 else size
        if size == 0:
            break
    return boxes


def read_manifest(path: Path) -> dict:
    with open(path, "rb") as stream:
        reader = c2pa.Reader("video/mp4", stream)
        data = json.loads(reader.json())
    return data["manifests"][data["active_manifest"]]


def test_clips_carry_signed_ai_credentials(certificate: tuple[Path, Path], tmp_path: Path) -> None:
    chain, key = certificate
    settings = RenderSettings(backend="fake", size=256, c2pa_cert=str(chain), c2pa_key=str(key))
    result = Renderer(settings, home=tmp_path / "home").render(
        "Signed and sealed.", tmp_path / "clip.mp4"
    )
    manifest = read_manifest(result.path)
    assert manifest["title"] == "AI-generated video reply"
    assert manifest["signature_info"]["common_name"] == "ceo-twin test signer"
    actions = next(a for a in manifest["assertions"] if a["label"].startswith("c2pa.actions"))
    source = actions["data"]["actions"][0]["digitalSourceType"]
    assert source.endswith("/trainedAlgorithmicMedia")
    assert result.size_bytes == result.path.stat().st_size
    boxes = box_order(result.path)
    assert boxes.index("moov") < boxes.index("mdat")  # still starts playing before it loads
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "home"]


def test_a_missing_certificate_fails_before_any_work(tmp_path: Path) -> None:
    settings = RenderSettings(
        backend="fake", c2pa_cert=str(tmp_path / "none.pem"), c2pa_key=str(tmp_path / "none.key")
    )
    with pytest.raises(RenderError, match=r"render\.c2pa_cert: cannot read"):
        Renderer(settings, home=tmp_path)


def test_a_certificate_that_cannot_sign_is_refused(
    certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    chain, _key = certificate
    garbage = tmp_path / "bad.key"
    garbage.write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    settings = RenderSettings(backend="fake", c2pa_cert=str(chain), c2pa_key=str(garbage))
    with pytest.raises(RenderError, match="cannot sign with this certificate"):
        Renderer(settings, home=tmp_path)

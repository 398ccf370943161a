"""HTTPS through the pinned transport: SNI and certificate checks use the hostname."""

from __future__ import annotations

import datetime
import ssl
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kbsmith.fetching import ConnectionFailed, GuardedClient
from tests.support.hostile_server import HostileServer

from .conftest import FakeResolver, make_policy


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def tls_material(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, bytes]:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("kbsmith test CA", ca_key, None, ca_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = _certificate("secure.test", leaf_key, ca.subject, ca_key, ca=False)
    directory = tmp_path_factory.mktemp("tls")
    cert_file, key_file = directory / "leaf.pem", directory / "leaf.key"
    cert_file.write_bytes(_pem(leaf))
    key_file.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file, _pem(ca)


@pytest.fixture(scope="module")
def tls_server(tls_material: tuple[Path, Path, bytes]) -> Iterator[HostileServer]:
    cert_file, key_file, _ = tls_material
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    server = HostileServer(ssl_context=context)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def tls_client(
    tls_material: tuple[Path, Path, bytes], resolver: FakeResolver
) -> AsyncIterator[GuardedClient]:
    trusted = ssl.create_default_context(cadata=tls_material[2].decode())
    async with GuardedClient(
        make_policy(obey_robots=False), resolver=resolver, ssl_context=trusted
    ) as client:
        yield client


async def test_https_uses_hostname_for_sni_and_verification(
    tls_client: GuardedClient, tls_server: HostileServer
) -> None:
    result = await tls_client.fetch(tls_server.url("/echo-host", host="secure.test"))
    assert result.body.decode() == f"secure.test:{tls_server.port}"
    assert tls_server.stats.tls_server_names[-1] == "secure.test"


@pytest.mark.parametrize("host", ["wrong.test", "127.0.0.1"])
async def test_certificate_for_another_name_is_rejected(
    tls_client: GuardedClient, tls_server: HostileServer, host: str
) -> None:
    # Same IP, same certificate: only verifying against the URL's hostname refuses it.
    with pytest.raises(ConnectionFailed, match="TLS certificate") as caught:
        await tls_client.fetch(tls_server.url("/echo-host", host=host))
    assert not caught.value.retryable

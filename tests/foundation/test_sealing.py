"""Provider credentials are sealed at rest and only the server secret opens them."""

from __future__ import annotations

import pytest

from kbsmith.connectors import sealing


def test_sealed_credentials_round_trip_and_hide_the_secret() -> None:
    credentials = {"token": "secret_abc123", "email": "ops@example.com"}
    sealed = sealing.seal(credentials, b"server secret one")
    assert "secret_abc123" not in sealed and "ops@example.com" not in sealed
    assert sealing.unseal(sealed, b"server secret one") == credentials
    assert sealing.seal(credentials, b"server secret one") != sealed  # fresh IV each time


def test_another_secret_cannot_open_them() -> None:
    sealed = sealing.seal({"token": "t"}, b"server secret one")
    with pytest.raises(ValueError, match="secret key"):
        sealing.unseal(sealed, b"server secret two")

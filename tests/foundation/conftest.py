"""A help site on 127.0.0.1 for the tests that run kbsmith's own processes against it."""

from collections.abc import Iterator

import pytest

from tests.support.cli import help_site
from tests.support.hostile_server import HostileServer


@pytest.fixture
def web() -> Iterator[HostileServer]:
    with help_site() as server:
        yield server

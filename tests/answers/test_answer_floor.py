"""KBSMITH_ANSWER_FLOOR moves where the answer model answers: lower answers more."""

from __future__ import annotations

import pytest

from kbsmith.settings import Settings
from tests.answers.conftest import CANCEL, Asker

NO_FLOOR = -50.0
NOTHING_PASSES = 50.0


@pytest.fixture(params=[None, NO_FLOOR, NOTHING_PASSES])
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    return settings.model_copy(update={"answer_floor": request.param})


async def test_the_answer_floor_decides_what_is_answered(asker: Asker, settings: Settings) -> None:
    folder = await asker.folder("Billing")
    cancel = await asker.write(folder["id"], CANCEL)
    clear = await asker.ask("How do I cancel my subscription?")
    far = await asker.ask("How much does a gym subscription cost in Paris?")
    if settings.answer_floor is None:  # the fitted floor
        assert (clear["success"], far["success"]) == (1, 0)
    elif settings.answer_floor == NO_FLOOR:
        assert (clear["success"], far["success"]) == (1, 1)
        assert far["based_on"][0]["articleId"] == cancel["id"]  # the only article there is
    else:
        assert (clear["success"], far["success"]) == (0, 0)
        assert clear["based_on"] == far["based_on"] == []

"""How many Rasa workers `make run` starts when RASA_WORKERS is unset (issue #16)."""

from __future__ import annotations

import pytest

from bot.settings import Settings, default_rasa_workers


@pytest.mark.parametrize("cores,workers", [(1, 1), (2, 2), (8, 2)])
def test_two_workers_from_two_cores_on(cores, workers):
    assert default_rasa_workers(cores) == workers


def test_an_unset_or_empty_variable_leaves_the_choice_to_the_runner():
    assert Settings.from_env({}).rasa_workers == 0
    assert Settings.from_env({"RASA_WORKERS": ""}).rasa_workers == 0
    assert Settings.from_env({"RASA_WORKERS": "3"}).rasa_workers == 3

"""Rasa's graphs run node after node (bot.graph_runner) give what dask's scheduler gave."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot import graph_runner
from bot.graph_runner import execution_order
from tests.conftest import trained_agent


def test_each_node_comes_after_what_it_needs_and_unneeded_nodes_are_left_out():
    needs = {
        "tokens": ("__message__",), "features": ("tokens",), "entities": ("tokens",),
        "intent": ("features", "entities"), "unused": ("tokens",), "output": ("intent", "entities"),
    }
    order = execution_order(needs, ["output"])
    assert order == ["tokens", "features", "entities", "intent", "output"]
    assert all(order.index(parent) < order.index(name) for name in order for parent in needs[name] if parent in needs)


def test_shared_parents_run_once_for_several_targets():
    needs = {"a": (), "b": ("a",), "c": ("a",)}
    assert execution_order(needs, ["b", "c"]) == ["a", "b", "c"]


@pytest.mark.slow
def test_the_trained_model_parses_and_predicts_the_same_with_both_runners():
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    agent: Any = trained_agent()
    messages = ["When are you open on Friday?", "hvordan får jeg et skattekort", "Moja żona przyjechała ze mną",
                "رقم هاتف البيت الدولي", "hi", "asdf qwerty"]

    def run_all() -> list:
        results = []
        for text in messages:
            parsed = asyncio.run(agent.parse_message(text))
            tracker = DialogueStateTracker.from_events("runner-test", [
                ActionExecuted("action_listen"), UserUttered(text, parsed["intent"], parsed["entities"])],
                slots=agent.domain.slots)
            prediction = agent.processor._predict_next_with_tracker(tracker)
            results.append((parsed, prediction.max_confidence_index, prediction.probabilities))
        return results

    installed = DaskGraphRunner.run  # another test may have installed the Rasa server's fixes
    try:
        DaskGraphRunner.run = graph_runner._ORIGINAL_RUN or installed  # type: ignore[method-assign]
        assert DaskGraphRunner.run is not graph_runner.run
        expected = run_all()
        DaskGraphRunner.run = graph_runner.run  # type: ignore[method-assign]
        assert run_all() == expected
    finally:
        DaskGraphRunner.run = installed  # type: ignore[method-assign]

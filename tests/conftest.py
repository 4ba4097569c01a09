"""Shared fixtures: the project root, the fixture knowledge base, fixed Copenhagen times."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from bot.content.hours import TIMEZONE
from bot.content.loader import KnowledgeBase, load_knowledge_base
from bot.settings import read_languages

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CONTENT = ROOT / "tests" / "fixtures" / "content"


def trained_model() -> Path:
    """The model ``make train`` trained for the current sources; the test fails without one."""
    from bot.run import model_path
    from bot.settings import Settings

    model = model_path(Settings.from_env({"PROJECT_DIR": str(ROOT)}))
    if not model.exists():
        pytest.fail(f"no trained model at {model}; run 'make train' first (make test does)")
    return model


def trained_agent() -> object:
    """Rasa's agent with the trained model loaded, in this process."""
    import asyncio

    from rasa.core.agent import load_agent

    return asyncio.run(load_agent(model_path=str(trained_model())))


def cph(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """A Copenhagen-time moment."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=TIMEZONE)


@pytest.fixture(scope="session")
def fixture_kb() -> KnowledgeBase:
    return load_knowledge_base(FIXTURE_CONTENT, ("en",))


@pytest.fixture(scope="session")
def real_kb() -> KnowledgeBase:
    return load_knowledge_base(ROOT / "data" / "content", read_languages(ROOT))


@pytest.fixture()
def owner_registry(monkeypatch, tmp_path):
    """The channels' owner check (bot.stores.owners) on a fresh SQLite database, for this test."""
    import sqlalchemy as sa

    import bot.channels.ownership as ownership
    import bot.stores.owners as owners_module

    ownership._known.clear()  # owners remembered by an earlier test's process state
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'owners.db'}")
    registry = owners_module.OwnerRegistry(engine)
    registry.create_table()
    monkeypatch.setattr(owners_module, "_registry", registry)
    yield registry
    engine.dispose()

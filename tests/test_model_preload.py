"""The model loaded before the fork is handed to the workers for the same file only."""

from __future__ import annotations

import gc
import logging
import os
import subprocess
import sys

import pytest

from bot import model_preload
from tests.conftest import ROOT, trained_model


@pytest.fixture()
def loader(monkeypatch):
    calls = []

    def load(path):
        calls.append(str(path))
        return (os.path.basename(str(path)), f"metadata {len(calls)}", object())

    model_preload.install()
    monkeypatch.setattr(model_preload, "_ORIGINAL_LOAD", load)
    model_preload.clear()
    yield calls
    model_preload.clear()
    gc.unfreeze()


def test_the_same_file_is_loaded_once(loader, tmp_path):
    model = tmp_path / "model-a.tar.gz"
    model.write_bytes(b"model")
    model_preload.preload(model)
    assert loader == [str(model)]
    first = model_preload._load_model(str(model))
    second = model_preload._load_model(model)
    assert first is second and first[1] == "metadata 1" and len(loader) == 1


def test_another_or_a_replaced_file_is_loaded_as_rasa_loads_it(loader, tmp_path):
    model = tmp_path / "model-a.tar.gz"
    model.write_bytes(b"model")
    model_preload.preload(model)
    other = tmp_path / "model-b.tar.gz"
    other.write_bytes(b"other")
    assert model_preload._load_model(other)[1] == "metadata 2"
    model.write_bytes(b"retrained model")  # same path, new size and time
    os.utime(model, ns=(1, 1))
    assert model_preload._load_model(model)[1] == "metadata 3"
    assert model_preload._load_model(tmp_path)[1] == "metadata 4"  # a folder: Rasa picks the latest model


def test_a_missing_model_is_not_preloaded(loader, tmp_path):
    model_preload.preload(tmp_path / "missing.tar.gz")
    assert loader == []


@pytest.mark.parametrize("value,workers", [("2", 2), ("1", 1), ("", 1), ("x", 1), ("0", 1)])
def test_forked_workers_come_from_sanic_workers(monkeypatch, value, workers):
    monkeypatch.setenv("SANIC_WORKERS", value)
    assert model_preload.forked_workers() == workers


class _DistutilsLog(logging.Logger):
    """What numpy.distutils turns the root logger into (it prints instead of logging)."""


def test_the_root_logger_gets_its_class_back_after_a_load(loader, monkeypatch, tmp_path):
    def swapping_load(path):
        logging.root.__class__ = _DistutilsLog
        return ("model", "metadata", object())

    monkeypatch.setattr(model_preload, "_ORIGINAL_LOAD", swapping_load)
    try:
        model_preload._load_model(tmp_path)
        assert type(logging.root) is logging.RootLogger
        model = tmp_path / "model.tar.gz"
        model.write_bytes(b"model")
        model_preload.preload(model)
        assert type(logging.root) is logging.RootLogger
    finally:
        logging.root.__class__ = logging.RootLogger


LOAD_AND_REPORT = """
import asyncio, logging, sys
from bot import model_preload, tensorflow_stub
from pathlib import Path
model = Path(sys.argv[1])
tensorflow_stub.install_if_unused(model)
if sys.argv[2] == "installed":
    model_preload.install()
from rasa.core.agent import load_agent
asyncio.run(load_agent(model_path=str(model)))
print(type(logging.root).__name__)
"""


@pytest.mark.slow
def test_loading_the_real_model_leaves_the_root_logger_a_root_logger():
    """A fresh process: scikit-learn's import of numpy.distutils happens during the load."""
    results = {}
    for mode in ("installed", "plain"):
        run = subprocess.run([sys.executable, "-c", LOAD_AND_REPORT, str(trained_model()), mode], cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-2000:]
        results[mode] = run.stdout.strip().splitlines()[-1]
    assert results == {"installed": "RootLogger", "plain": "Log"}  # Rasa alone leaves numpy's logger

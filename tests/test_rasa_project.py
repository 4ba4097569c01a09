"""Rasa's own checks of the project: data validation and conversation tests on the trained model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.run import model_path
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", SQLALCHEMY_SILENCE_UBER_WARNING="1", TQDM_DISABLE="1")
    env.setdefault("ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook")
    return subprocess.run(
        [sys.executable, "-m", "rasa", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_rasa_data_validate_with_warnings_as_errors():
    result = rasa("data", "validate", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_conversation_stories_have_no_prediction_errors(tmp_path):
    model = model_path(Settings.from_env({"PROJECT_DIR": str(ROOT)}))
    if not model.exists():
        pytest.fail(f"no trained model at {model}; run 'make train' first (make test does)")
    result = rasa(
        "test", "core", "--stories", "tests/stories", "--model", str(model), "--fail-on-prediction-errors",
        "--out", str(tmp_path),
    )
    report = tmp_path / "failed_test_stories.yml"
    failed = report.read_text() if report.exists() else ""
    assert result.returncode == 0, failed or result.stdout[-4000:] + result.stderr[-4000:]
    assert "None of the test stories failed" in failed

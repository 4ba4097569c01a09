"""Start-up problems are reported as one clear line, never as a bare stack trace."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT_FILES = ("config.yml", "domain.yml", "endpoints.yml", "credentials.yml", "data")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    copy.mkdir()
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name)
        else:
            shutil.copy(source, copy / name)
    return copy


def run(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("TRACKER_DB_URL", "CONTENT_DIR")}
    environment.update({"PROJECT_DIR": str(project), "VAR_DIR": str(project / "var"), **env})
    return subprocess.run(
        [sys.executable, "-m", "bot.run", *args], cwd=ROOT, env=environment, capture_output=True, text=True,
        timeout=300,
    )


def error_lines(result: subprocess.CompletedProcess) -> list:
    return [line for line in result.stdout.splitlines() if "| error:" in line]


def test_the_real_project_passes_the_checks(project):
    result = run(project, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "content entries and the tracker database are fine" in result.stdout


def test_broken_domain_yaml(project):
    (project / "domain.yml").write_text("intents:\n  - greet\n responses: [\n")
    result = run(project, "check")
    assert result.returncode == 1
    assert error_lines(result) == [
        "run     | error: domain.yml: line 3, column 2: expected <block end>, but found '<block mapping start>'"
    ]
    assert "Traceback" not in result.stdout + result.stderr


def test_domain_that_rasa_rejects(project):
    (project / "domain.yml").write_text('version: "3.1"\nintents: [greet]\nresponses:\n  utter_greet: "not a list"\n')
    result = run(project, "check")
    assert result.returncode == 1
    lines = error_lines(result)
    assert len(lines) == 1 and lines[0].startswith("run     | error: domain.yml: ")
    assert "Traceback" not in result.stdout + result.stderr


def test_broken_content_is_listed_and_stops_the_start(project):
    path = project / "data" / "content" / "ihnd.yml"
    path.write_text(path.read_text().replace('phone: "+45 99 31 15 30"', 'phone: "99 31 15 30"'))
    result = run(project, "check")
    assert result.returncode == 1
    assert (
        "check   | data/content/ihnd.yml: entries[ihnd].contact.phone: phone number must be international, "
        "e.g. '+45 99 31 15 30': '99 31 15 30'"
    ) in result.stdout
    assert error_lines(result) == [
        "run     | error: 1 problem(s) in the content files (listed above); not starting"
    ]


def test_missing_model(project):
    result = run(project, "serve", "--no-train")
    assert result.returncode == 1
    lines = error_lines(result)
    assert len(lines) == 1
    assert "no trained model for the current data at models/model-" in lines[0]
    assert "run 'make train'" in lines[0]


def test_unreachable_database(project):
    result = run(project, "check", TRACKER_DB_URL="postgresql://postgres@127.0.0.1:1/test")
    assert result.returncode == 1
    lines = error_lines(result)
    assert len(lines) == 1
    assert lines[0].startswith(
        "run     | error: tracker store: cannot connect to postgresql://postgres@127.0.0.1:1/test: "
    )

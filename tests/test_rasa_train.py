"""bot/rasa_train.py: Rasa's training command with the model archive gzipped at level 6, not 9."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from bot import rasa_train

ROOT = Path(__file__).resolve().parents[1]


def _archive(tmp_path: Path, name: str) -> bytes:
    payload = tmp_path / "weights.bin"
    payload.write_bytes(os.urandom(4096) * 64)
    archive = tmp_path / name
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(payload, arcname="weights.bin")
    with tarfile.open(archive, "r:gz") as tar:
        extracted = tar.extractfile("weights.bin")
        assert extracted is not None and extracted.read() == payload.read_bytes()
    return archive.read_bytes()


def test_the_archive_is_written_at_level_6_and_reads_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tarfile.TarFile, "gzopen", tarfile.TarFile.gzopen)
    # Byte 8 of a gzip header (XFL) is 2 for the slowest level (9), 0 for the levels in between.
    assert _archive(tmp_path, "before.tar.gz")[8] == 2
    rasa_train.use_archive_level()
    rasa_train.use_archive_level()  # twice: wraps the original again, not its own wrapper
    assert _archive(tmp_path, "after.tar.gz")[8] == 0
    rasa_train.use_archive_level(1)
    assert _archive(tmp_path, "fast.tar.gz")[8] == 4  # XFL 4: the fastest level


def test_it_runs_rasas_command_line() -> None:
    done = subprocess.run([sys.executable, "-m", "bot.rasa_train", "--version"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Rasa Version      :         3.6.21" in done.stdout

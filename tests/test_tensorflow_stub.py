"""TensorFlow stays out of the Rasa server when the model needs none of it (bot.tensorflow_stub)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from bot.tensorflow_stub import model_argument, prediction_components, uses_tensorflow
from tests.conftest import ROOT, trained_model

MESSAGES = ["When are you open on Friday?", "hvordan får jeg et skattekort", "Moja żona przyjechała ze mną", "hi"]


def archive_with(tmp_path: Path, components: list[str]) -> Path:
    metadata = {"predict_schema": {"nodes": {f"node{i}": {"uses": uses} for i, uses in enumerate(components)}}}
    path = tmp_path / "model.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        data = json.dumps(metadata).encode()
        info = tarfile.TarInfo("metadata.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


def test_our_model_needs_no_tensorflow():
    components = prediction_components(trained_model())
    assert "rasa.core.policies.rule_policy.RulePolicy" in components
    assert not uses_tensorflow(components)


@pytest.mark.parametrize("component", [
    "rasa.nlu.classifiers.diet_classifier.DIETClassifier",
    "rasa.core.policies.ted_policy.TEDPolicy",
    "rasa.nlu.selectors.response_selector.ResponseSelector",
    "rasa.nlu.featurizers.dense_featurizer.lm_featurizer.LanguageModelFeaturizer",
    "my_project.components.Unknown",
])
def test_a_model_with_any_other_component_gets_the_real_tensorflow(component):
    assert uses_tensorflow(["rasa.core.policies.rule_policy.RulePolicy", component])


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_a_diet_model_loads_the_real_tensorflow(tmp_path):
    model = archive_with(tmp_path, ["rasa.nlu.classifiers.diet_classifier.DIETClassifier"])
    done = run_python(
        "import sys\nfrom bot.tensorflow_stub import install_if_unused, installed\n"
        f"assert install_if_unused({str(model)!r}) is False and not installed()\n"
        "import tensorflow\nprint(tensorflow.__version__)\n"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip()[0].isdigit()  # a real version number, e.g. 2.12.0


@pytest.mark.slow
def test_the_server_process_parses_the_same_without_tensorflow():
    """Our model loaded behind the placeholders parses exactly as with TensorFlow imported."""
    model = trained_model()
    code = (
        "import asyncio, json, sys\nfrom pathlib import Path\n"
        "from bot.tensorflow_stub import install_if_unused\n"
        "stub = {}\n"
        f"stub['installed'] = install_if_unused(Path({str(model)!r})) if sys.argv[1:] == ['stub'] else False\n"
        "from rasa.core.agent import Agent\n"
        f"agent = Agent.load({str(model)!r})\n"
        f"parsed = [asyncio.run(agent.parse_message(text)) for text in {MESSAGES!r}]\n"
        "import tensorflow\n"
        "print(json.dumps({'installed': stub['installed'], 'version': tensorflow.__version__, 'parsed': parsed},"
        " default=str))\n"
    )
    results = {}
    for mode in ("stub", "real"):
        done = subprocess.run([sys.executable, "-c", code, mode], cwd=ROOT, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        results[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    assert results["stub"]["installed"] is True and results["stub"]["version"] == "0+placeholder"
    assert results["real"]["installed"] is False and results["real"]["version"][0].isdigit()
    assert results["stub"]["parsed"] == results["real"]["parsed"]
    assert results["stub"]["parsed"][0]["intent"]["name"] == "ask_hours"


def test_the_model_argument_is_read_from_rasas_command_line(tmp_path):
    model = tmp_path / "m.tar.gz"
    model.write_bytes(b"")
    assert model_argument(["rasa", "run", "--model", str(model), "--port", "1"]) == model
    assert model_argument(["rasa", "run", f"--model={model}"]) == model
    assert model_argument(["rasa", "run", "--model", str(tmp_path / "missing.tar.gz")]) is None
    assert model_argument(["rasa", "run"]) is None

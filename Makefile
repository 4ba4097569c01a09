# The project's commands. The README's two: `make setup` then `make run`; and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
CONSTRAINTS := requirements/constraints.txt
STAMP := $(VENV)/.setup-stamp
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Rasa and TensorFlow talk a lot at import; keep logs readable.
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# Rasa reports usage and crashes to its own servers unless told not to.
export RASA_TELEMETRY_ENABLED := false

.PHONY: setup run cluster train test lint typecheck unit content-validate nlu-eval eval nlu-variants bench bench-cluster profile lock browser-deps system-deps clean

## setup: create .venv with Python 3.10 and install everything (idempotent)
setup: $(STAMP)

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@set -e; \
	if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then \
	  echo "setup: $(VENV) is not Python 3.10; recreating it"; rm -rf $(VENV); fi; \
	if [ ! -x $(PY) ]; then \
	  interpreter=$$(scripts/find-python.sh); \
	  echo "setup: creating $(VENV) with $$interpreter"; \
	  "$$interpreter" -m venv $(VENV); fi
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) pip setuptools wheel
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	$(PY) -m pip check
	@touch $(STAMP)
	@echo "setup: done. Next: make run   (or make test)"

## run: train if data/config changed, then start action server, Rasa and the web app
run: setup
	$(PY) -m bot.run

## cluster: nginx on CLUSTER_PORT (5000) in front of two Rasa servers, two action servers and the web
## app, on PostgreSQL and Redis (TRACKER_DB_URL, REDIS_URL; default: this machine's); docs/deploy.md
cluster: setup
	$(PY) -m bot.cluster

## train: train the model if data/config changed (cached by fingerprint under models/)
train: setup
	$(PY) -m bot.run train

lint: setup
	$(VENV)/bin/ruff check .

typecheck: setup
	$(VENV)/bin/mypy

content-validate: setup
	$(PY) -m bot.content validate

## test: lint, types, content, training (cached), then every test (unit, data, stories, end-to-end)
test: lint typecheck content-validate train
	$(PY) -m pytest -ra

unit: setup
	$(PY) -m pytest -ra -m "not e2e and not slow"

## system-deps: Debian's packages the tests need: Chromium and ChromeDriver (browser tests) and
## nginx (make cluster runs its own nginx process with its own configuration); needs root.
system-deps:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver nginx

## browser-deps: the former name of system-deps
browser-deps: system-deps

## nlu-eval: intent accuracy, macro-F1 and language identification on tests/nlu_holdout
nlu-eval: train
	$(PY) -m bot.nlu.evaluate

## eval: the user-voice set (tests/user_voice), end to end through the running assistant (docs/nlu.md)
eval: train
	$(PY) bench/user_voice.py $(EVAL_ARGS)

## nlu-variants: measure the NLU design choices (docs/nlu.md); takes about 15 minutes
nlu-variants: setup
	$(PY) bench/nlu_variants.py

## bench: our assistant against Rasa's default configuration in one run (docs/benchmarks.md; ~30 min)
bench: setup
	$(PY) bench/benchmark.py $(BENCH_ARGS)

## profile: py-spy on the running Rasa server while one user talks: each part's share of a turn (docs/benchmarks.md; ~2 min)
profile: train
	$(PY) bench/profile_turns.py $(PROFILE_ARGS)

## bench-cluster: make cluster with one and two replicas under 20 users: throughput, errors, lost messages (~6 min)
bench-cluster: train
	$(PY) bench/cluster.py $(BENCH_ARGS)

## lock: regenerate the pinned versions from the current .venv
lock:
	@{ echo "# Every package version of the project, pinned once. Generated from a working .venv by"; \
	   echo "# 'make lock' (pip freeze); the Makefile and CI install with '-c requirements/constraints.txt'."; \
	   echo "pip==$$($(PY) -m pip --version | cut -d' ' -f2)"; \
	   echo "setuptools==$$($(PY) -c 'import setuptools; print(setuptools.__version__)')"; \
	   echo "wheel==$$($(PY) -c 'import wheel; print(wheel.__version__)')"; \
	   $(PY) -m pip freeze --exclude-editable | grep -v '^-e'; } > $(CONSTRAINTS)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache

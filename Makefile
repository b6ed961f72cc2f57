# Two entry points: `make review` (set up, then run the example job on shipped
# data) and `make test` (set up, then run the whole test suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready

.PHONY: review test bench clean

$(READY): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("trustlab needs Python 3.11 or newer; found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(READY)

review: $(READY)
	$(BIN)/trustlab review policies/lending-club-risk.yaml datasets/lending_club.csv \
	    --champion policies/lending-club-intake.yaml -p glossary glossaries/lending-club.yaml

test: $(READY)
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: $(READY)
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/simulate.py
	$(BIN)/python benchmarks/drift.py
	$(BIN)/python benchmarks/scale.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

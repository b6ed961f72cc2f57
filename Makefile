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

# Every script in benchmarks/ (the _helpers aside), each on the shipped history and on the
# same rows read back from CSV; all run even if one fails, and the failures are named last.
bench: $(READY)
	@failed=""; for script in benchmarks/[!_]*.py; do \
	    echo "== $$script"; $(BIN)/python $$script || failed="$$failed $$script"; echo; \
	done; \
	if [ -n "$$failed" ]; then echo "make bench: failed:$$failed"; exit 1; fi

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis

# Quick start: `make demo` and `make test`. Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	rm -rf results/demo
	$(BIN)/dipsim validate scenarios/iran_talks.yaml
	$(BIN)/dipsim run scenarios/iran_talks.yaml --seed 42 --out results/demo/run
	$(BIN)/dipsim run scenarios/iran_talks.yaml --seed 42 --replicates 2000 --sample --out results/demo/batch \
		| sed -n '/^Across/,$$p'
	$(BIN)/dipsim run scenarios/iran_talks.yaml --seed 42 --protocol all --out results/demo/protocols
	$(BIN)/dipsim sweep scenarios/iran_talks.yaml --samples 400 --replicates 400 --design lhs --workers 2 \
		--seed 42 --out results/demo/sweep
	$(BIN)/dipsim sensitivity results/demo/sweep | head -12
	$(BIN)/dipsim report results/demo/sweep --out results/demo/report.html
	@echo "Open the report: $(CURDIR)/results/demo/report.html"

test: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/python -m pytest -q -n auto --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check sim tests benchmarks

clean:
	rm -rf $(VENV) results/runs results/demo .pytest_cache .hypothesis

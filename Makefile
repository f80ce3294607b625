# ceo-twin: `make demo` runs the twin on embedded defaults; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test bench lint clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The CPU build of torch first, so sentence-transformers never pulls the multi-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev,piper,llm,c2pa]'
	touch $(STAMP)

install: $(STAMP)

DEMO_QUESTIONS := samples/demo-questions.txt

demo: $(STAMP)
	$(BIN)/twin ingest samples/corpus
	@echo "\n== Searching as an ordinary employee =="
	$(BIN)/twin search --stdin < $(DEMO_QUESTIONS)
	@echo "\n== The same first question as a member of exec (sees exec-only documents) =="
	head -n 1 $(DEMO_QUESTIONS) | $(BIN)/twin search --stdin --groups exec

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench.run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf .twin .pytest_cache

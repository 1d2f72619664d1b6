# news-etl: the two commands of the README are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin

# A project-local Airflow on SQLite that sees only this project's DAGs and plugins.
export AIRFLOW_HOME := $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__UNIT_TEST_MODE := False
# Locally the project's DAGs start unpaused: a triggered run runs, and the report follows each publish.
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION := False
export NO_PROXY := *
export NEWS_ETL_INBOX ?= $(CURDIR)/seeds
export NEWS_ETL_LAKE ?= $(CURDIR)/data/lake

.PHONY: help setup run test format docs test-deps ui freeze clean bench-extraction bench-quality bench-nlp bench-stories bench-memory bench-scale bench-longrun bench-history train-line-model train-rankers build-idf

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(AIRFLOW_HOME)/airflow.db: $(VENV)/.installed
	mkdir -p $(AIRFLOW_HOME)
	$(BIN)/airflow db migrate > $(AIRFLOW_HOME)/migrate.log 2>&1 || { cat $(AIRFLOW_HOME)/migrate.log; exit 1; }

## setup: virtualenv with the pinned requirements, the project installed, Airflow's DB migrated
setup: $(VENV)/.installed $(AIRFLOW_HOME)/airflow.db

## run: set up, run the news_ingest DAG through Airflow over $(NEWS_ETL_INBOX), print what landed
run: setup
	@echo "== airflow dags test news_ingest (inbox: $(NEWS_ETL_INBOX), lake: $(NEWS_ETL_LAKE))"
	@# Progress as it happens (task starts and ends, the pipeline's own lines); the whole log goes to a file.
	@set -o pipefail; $(BIN)/airflow dags test news_ingest 2>&1 | tee $(AIRFLOW_HOME)/last_dags_test.log \
		| { grep --line-buffered -E "\[news_etl\.pipeline\]|DAG TEST\] (starting|end) task" || true; } \
		| sed -u -E 's/ +\[(news_etl|airflow)[^]]*\].*//; s/^[^ ]+ +\[(info|warning|error) *\] //' \
		|| { grep -E "^airflow\.sdk\.exceptions\.AirflowFailException: |^[A-Za-z_.]+(Error|Exception): " \
			$(AIRFLOW_HOME)/last_dags_test.log | tail -3 | sed -E 's/^/   error: /'; \
			echo "news_ingest failed; full log: $(AIRFLOW_HOME)/last_dags_test.log"; exit 1; }
	@grep -q "DagRun Finished.*state=success" $(AIRFLOW_HOME)/last_dags_test.log \
		|| { echo "news_ingest did not succeed; full log: $(AIRFLOW_HOME)/last_dags_test.log"; exit 1; }
	@echo "== news_ingest: success (full log: $(AIRFLOW_HOME)/last_dags_test.log)"
	$(BIN)/news-etl summary --lake $(NEWS_ETL_LAKE)
	@echo "== airflow dags test news_quality_report (what the Asset event triggers after each publish)"
	@$(BIN)/airflow dags test news_quality_report > $(AIRFLOW_HOME)/last_report_test.log 2>&1 || true
	@grep -q "DagRun Finished.*state=success" $(AIRFLOW_HOME)/last_report_test.log \
		|| { tail -40 $(AIRFLOW_HOME)/last_report_test.log; echo "news_quality_report failed: an error-severity expectation failed, or see $(AIRFLOW_HOME)/last_report_test.log"; exit 1; }
	@echo "== news_quality_report: success; run report $(NEWS_ETL_LAKE)/_reports/report.html"
	@echo "   Data Docs $(NEWS_ETL_LAKE)/_reports/gx/gx/uncommitted/data_docs/local_site/index.html"
	@echo "   (in the Airflow UI after 'make ui': the News report and Data Docs buttons of the nav bar)"

## test: the whole test suite (CI runs this through .ci/run): lint, format check, type check, then pytest, which
## ends by listing what it skipped and why
test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

## format: format the code as `make test` checks it (ruff format)
format: $(VENV)/.installed
	$(BIN)/ruff format .

## docs: regenerate docs/tables.md from include/news_etl/schemas.py (a test fails when it is stale)
docs: $(VENV)/.installed
	$(BIN)/python scripts/table_docs.py

## test-deps: install the system packages some tests need (chromium, postgresql, redis, docker-compose, s3rver), as .ci/run does
test-deps:
	bash scripts/install-test-deps.sh

## help: list the targets
help:
	@grep -E "^## " $(MAKEFILE_LIST) | sed -E 's/^## //' \
		| awk '/^[a-z-]+: / { n = index($$0, ": "); printf "  make %-18s %s\n", substr($$0, 1, n - 1), substr($$0, n + 2); next } \
		       { printf "  %-23s %s\n", "", $$0 }'

## bench-extraction: extraction quality on ../shared/newsbench/dev (writes bench-results/extraction.{md,json})
bench-extraction: $(VENV)/.installed
	$(BIN)/python benchmarks/extraction.py

## bench-quality: the same as bench-extraction (the name issue 16 uses): dev and unseen-site (CV) figures per track
bench-quality: bench-extraction

## bench-nlp: NLP stage throughput vs plain spaCy nlp.pipe, 1 and 2 processes (writes bench-results/nlp.{md,json})
bench-nlp: $(VENV)/.installed
	$(BIN)/python benchmarks/nlp.py

## bench-stories: stories on the seeds and BBC, clustering 100,000 articles (writes bench-results/stories.{md,json})
bench-stories: $(VENV)/.installed
	$(BIN)/python benchmarks/stories.py

## bench-memory: peak memory of news-etl ingest on the worst inputs the limits allow, one article at the record limit, 100,000 files (writes bench-results/memory.{md,json})
bench-memory: $(VENV)/.installed
	$(BIN)/python benchmarks/memory.py --nlp off

## bench-scale: N articles (default 100000) through `airflow dags test news_ingest` until drained; throughput,
## per-stage seconds, memory of every process, a nothing-new run, the example queries (writes bench-results/scale.{md,json}).
## PROFILE=1 samples the first run with py-spy.
N ?= 100000
bench-scale: $(VENV)/.installed
	$(BIN)/python benchmarks/scale.py --n $(N) $(if $(PROFILE),--profile,) $(if $(KEEP_INBOX),--keep-inbox,)

## bench-longrun: RUNS (default 5000) runs of 20 articles into one lake, maintenance once a simulated day; publish
## seconds at run 100, 1,000 and the last, data files per table, the example queries (writes bench-results/longrun.{md,json})
RUNS ?= 5000
bench-longrun: $(VENV)/.installed
	$(BIN)/python benchmarks/longrun.py --runs $(RUNS)

## bench-history: a 20-article run on lakes of SIZES articles (default 10000,1000000), and a nothing-new run over
## an inbox of every processed file (full, watermark, archived) (writes bench-results/history.{md,json})
SIZES ?= 10000,1000000
bench-history: $(VENV)/.installed
	$(BIN)/python benchmarks/history.py --sizes $(SIZES)

## build-idf: rebuild include/news_etl/models/idf.json (key-phrase ranking) and common_words.json (a byline
## ranker feature) from ../shared/corpora/bbc
build-idf: $(VENV)/.installed
	$(BIN)/python benchmarks/build_idf.py
	$(BIN)/python benchmarks/build_common_words.py

## train-line-model: retrain include/news_etl/models/line_model.json on newsbench dev/ (with site-grouped CV)
train-line-model: $(VENV)/.installed
	$(BIN)/python benchmarks/train_line_model.py

## train-rankers: retrain the headline, byline and date rankers (models/*_model.json) on newsbench dev/, in
## that order: each sees the page as the ones before it leave it
train-rankers: $(VENV)/.installed
	$(BIN)/python benchmarks/train_title_model.py
	$(BIN)/python benchmarks/train_byline_model.py
	$(BIN)/python benchmarks/train_date_model.py

## ui: the Airflow UI with this project's DAGs and no examples (http://localhost:8080), in its own home
## (.airflow-ui/), so its scheduler never picks up the runs of `make run`
ui: $(VENV)/.installed
	mkdir -p $(CURDIR)/.airflow-ui
	# standalone starts its components as `airflow ...` subprocesses: the venv must be first on PATH.
	AIRFLOW_HOME=$(CURDIR)/.airflow-ui PATH="$(BIN):$$PATH" $(BIN)/airflow standalone

## freeze: re-pin requirements.txt from the current virtualenv
freeze:
	{ head -2 requirements.txt; $(BIN)/pip freeze --exclude-editable \
		| grep -v -i -E "^(pytest|iniconfig|ruff|hypothesis|sortedcontainers|py-spy|mypy|mypy_extensions|librt|ast_serialize|types-.*)=="; } > requirements.txt.new
	mv requirements.txt.new requirements.txt

## clean: remove the local Airflow homes and the lake
clean:
	rm -rf $(AIRFLOW_HOME) $(CURDIR)/.airflow-ui data/lake

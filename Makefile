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
export NO_PROXY := *
export NEWS_ETL_INBOX ?= $(CURDIR)/seeds
export NEWS_ETL_LAKE ?= $(CURDIR)/data/lake

.PHONY: setup run test ui freeze clean bench-quality bench-nlp bench-stories bench-memory bench-scale train-line-model build-idf

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
	@$(BIN)/airflow dags test news_ingest > $(AIRFLOW_HOME)/last_dags_test.log 2>&1 \
		|| { tail -40 $(AIRFLOW_HOME)/last_dags_test.log; echo "airflow dags test failed; full log: $(AIRFLOW_HOME)/last_dags_test.log"; exit 1; }
	@grep -E "\[news_etl\.pipeline\]|DAG TEST\] end task" $(AIRFLOW_HOME)/last_dags_test.log | sed -E 's/ +\[(news_etl|airflow)[^]]*\].*//' || true
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
	@echo "   (in the Airflow UI after 'make ui': News > Run report, News > Data Docs)"

## test: the whole test suite (CI runs this through .ci/run)
test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

## bench-quality: extraction quality on ../shared/newsbench/dev (writes bench-results/quality.{md,json})
bench-quality: $(VENV)/.installed
	$(BIN)/python benchmarks/quality.py

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

## build-idf: rebuild include/news_etl/rules/idf.json (key-phrase ranking) from ../shared/corpora/bbc
build-idf: $(VENV)/.installed
	$(BIN)/python benchmarks/build_idf.py

## train-line-model: retrain include/news_etl/rules/line_model.json on newsbench dev/ (with site-grouped CV)
train-line-model: $(VENV)/.installed
	$(BIN)/python benchmarks/train_line_model.py

## ui: the Airflow UI with this project's DAGs and no examples (http://localhost:8080)
ui: setup
	# standalone starts its components as `airflow ...` subprocesses: the venv must be first on PATH.
	PATH="$(BIN):$$PATH" $(BIN)/airflow standalone

## freeze: re-pin requirements.txt from the current virtualenv
freeze:
	{ head -2 requirements.txt; $(BIN)/pip freeze --exclude-editable \
		| grep -v -i -E "^(pytest|iniconfig|ruff|hypothesis|sortedcontainers)=="; } > requirements.txt.new
	mv requirements.txt.new requirements.txt

clean:
	rm -rf $(AIRFLOW_HOME) data/lake

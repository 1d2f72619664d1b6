"""Data quality with Great Expectations Core (called directly: the Airflow provider cannot be installed beside
Airflow 3.3.1+), split by job:

- :mod:`.suites`: the suites as data (``expectations/suites.yaml``) and the one builder that turns an entry
  into a GX expectation, for both jobs below.
- :mod:`.gate`: the validation gate of each ingest run, on its staged articles before publish; failing rows
  are quarantined. Its results land in the ``gate_results`` table.
- :mod:`.published`: the checks of published data (``news_quality_report`` / ``news-etl report``) through GX
  Checkpoints that also build the Data Docs. Results land in ``check_results`` (one row per expectation)
  and ``check_runs`` (one row per checked run).

Not to be confused with the *extraction* benchmark (``make bench-extraction``), which scores the cleaner and
the metadata extractor against labelled pages.
"""

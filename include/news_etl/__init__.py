"""news_etl: the pure-Python core of the news-ingest pipeline (Airflow, the CLI and tests call it)."""

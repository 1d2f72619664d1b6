-- The DuckLake catalog of the news lake, beside Airflow's metadata database (docker-compose.yaml).
create database news_lake owner airflow;

# The deployment image: the official Airflow 3.3 image plus this project's pinned requirements.
# Used by docker-compose.yaml for every Airflow service.
FROM apache/airflow:3.3.2-python3.11

USER airflow
COPY --chown=airflow:root requirements.txt /opt/airflow/requirements.txt
# Pinning apache-airflow alongside keeps pip from moving Airflow itself while it resolves our pins.
RUN pip install --no-cache-dir "apache-airflow==3.3.2" -r /opt/airflow/requirements.txt

# The library is mounted at run time (see docker-compose.yaml); PYTHONPATH makes it importable.
ENV PYTHONPATH=/opt/airflow/include

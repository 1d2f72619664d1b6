"""news_ingest on Airflow's CeleryExecutor across two workers, without Docker, on a shared-nothing lake.

Starts, on this machine: PostgreSQL (metadata DB, Celery results and the lake's DuckLake catalog), Redis
(broker), an S3 server (s3rver: the lake's data and the runs' staging), the Airflow api-server, scheduler,
dag-processor and two ``airflow celery worker`` processes; triggers ``news_ingest`` over a few hundred
generated articles in small batches; then asserts that mapped ``process_batch`` tasks ran on both workers
and that the lake holds the same articles, ids, entities and quotes as a single-process run of the same
inbox. The workers share no folder: each has its own lake folder, and everything goes through the catalog
database and the bucket.

Skipped when PostgreSQL, Redis or the Celery packages are not installed (``.ci/run`` installs PostgreSQL
and Redis from Debian when it can). Takes about two minutes.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.compute as pc
import pytest

from news_etl import lake as lakes
from news_etl.runner import run_ingest
from news_etl.settings import get_settings

from .conftest import ROOT, RUN_AT, SEEDS, as_postgres, free_port, pg_tool

AIRFLOW = Path(sys.executable).with_name("airflow")
N_ARTICLES = 240
BATCH_SIZE = 30


MISSING = [
    what
    for what, ok in [
        ("PostgreSQL (initdb, pg_ctl)", pg_tool("initdb") and pg_tool("pg_ctl")),
        ("redis-server", shutil.which("redis-server")),
        ("celery provider", importlib.util.find_spec("airflow.providers.celery")),
        ("psycopg2", importlib.util.find_spec("psycopg2")),
        ("asyncpg", importlib.util.find_spec("asyncpg")),
    ]
    if not ok
]
pytestmark = [pytest.mark.distributed, pytest.mark.skipif(bool(MISSING), reason=f"not installed: {', '.join(MISSING)}")]


def make_inbox(inbox: Path, n: int) -> None:
    """``n`` distinct articles: the seeds' paragraphs, sampled and reordered, each with its own dateline."""
    rng = random.Random(8)
    bodies = []
    for path in sorted(SEEDS.iterdir()):
        text = path.read_text(encoding="utf-8")
        paras = [p.strip() for p in text.split("\n") if len(p.strip()) > 60]
        bodies.append(paras)
    for i in range(n):
        paras = bodies[i % len(bodies)]
        picked = rng.sample(paras, k=max(3, len(paras) * 2 // 3))
        title = f"Desk {i % 7} report {i}: {picked[0][:60].rstrip()}"
        lead = f"This is report number {i} filed by desk {i % 7} on the talks between the two leaders."
        folder = inbox / f"outlet-{i % 4}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"article-{i:04d}.txt").write_text("\n\n".join([title, lead, *picked]) + "\n", encoding="utf-8")


class Cluster:
    """The services and Airflow components, each a process group with its log in ``base/logs``."""

    def __init__(self, base: Path) -> None:
        self.base, self.logs = base, base / "logs"
        self.logs.mkdir(parents=True)
        self.procs: dict[str, subprocess.Popen] = {}
        self.pg_port, self.redis_port, self.api_port = free_port(), free_port(), free_port()
        self.pgdata = base / "pg"

    def start_postgres(self) -> None:
        self.pgdata.mkdir()
        sock = self.base / "pgsock"
        sock.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.pgdata, "postgres")
            shutil.chown(sock, "postgres")
        self._run(
            as_postgres([pg_tool("initdb"), "-D", str(self.pgdata), "-U", "airflow", "--auth=trust", "-E", "UTF8"]),
            "initdb",
        )
        self._run(
            as_postgres(
                [
                    pg_tool("pg_ctl"),
                    "-D",
                    str(self.pgdata),
                    "-w",
                    "-l",
                    str(self.pgdata / "server.log"),
                    "-o",
                    f"-p {self.pg_port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off",
                    "start",
                ]
            ),
            "pg_ctl start",
        )
        self._run(
            as_postgres([pg_tool("createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "airflow", "airflow"]),
            "createdb",
        )

    def _run(self, cmd: list[str], what: str, env: dict | None = None) -> None:
        result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
        assert result.returncode == 0, f"{what} failed: {result.stdout[-2000:]}{result.stderr[-2000:]}"

    def start(self, name: str, cmd: list[str], env: dict) -> None:
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 - closed with the process at stop()
        self.procs[name] = subprocess.Popen(
            cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.base
        )

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.is_file() else ""

    def alive(self) -> None:
        for name, proc in self.procs.items():
            assert proc.poll() is None, f"{name} exited with {proc.returncode}:\n{self.log(name)[-3000:]}"

    def stop(self) -> None:
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
        if (self.pgdata / "postmaster.pid").exists():
            subprocess.run(
                as_postgres([pg_tool("pg_ctl"), "-D", str(self.pgdata), "-m", "immediate", "stop"]), capture_output=True
            )


def _query(cluster: Cluster, sql: str, *args) -> list[tuple]:
    import psycopg2

    with (
        contextlib.closing(
            psycopg2.connect(host="127.0.0.1", port=cluster.pg_port, user="airflow", dbname="airflow")
        ) as con,
        con.cursor() as cur,
    ):
        cur.execute(sql, args)
        return cur.fetchall()


def _wait(what: str, check, cluster: Cluster, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cluster.alive()
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(2)
    logs = "\n".join(f"--- {n}\n{cluster.log(n)[-1500:]}" for n in cluster.procs)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{logs}")


def test_news_ingest_on_two_celery_workers_equals_a_single_process_run(
    tmp_path: Path, s3_server: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    # /tmp, not pytest's tmp_path: the postgres user must be able to reach the data directory.
    base = Path(tempfile.mkdtemp(prefix="news-etl-cluster-"))
    os.chmod(base, 0o755)
    inbox, lake = base / "inbox", base / "lake"
    make_inbox(inbox, N_ARTICLES)
    hostmod = base / "pyhost"
    hostmod.mkdir()
    # Both workers run on this one machine: each reports its own name as the task's hostname, so the
    # test can tell from Airflow's own records which worker ran which batch.
    (hostmod / "news_test_hostname.py").write_text(
        "import os\n\ndef name():\n    return os.environ.get('NEWS_TEST_WORKER', 'not-a-worker')\n"
    )
    cluster = Cluster(base)
    try:
        cluster.start_postgres()
        cluster._run(
            as_postgres([pg_tool("createdb"), "-h", "127.0.0.1", "-p", str(cluster.pg_port), "-U", "airflow", "lake"]),
            "createdb lake",
        )
        lake_env = {
            **s3_server,
            "NEWS_ETL_CATALOG": f"postgres:dbname=lake host=127.0.0.1 port={cluster.pg_port} user=airflow",
            "NEWS_ETL_DATA_PATH": f"s3://news/{base.name}/lake",
        }
        cluster.start(
            "redis",
            [
                "redis-server",
                "--port",
                str(cluster.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            os.environ.copy(),
        )
        db = f"postgresql+psycopg2://airflow@127.0.0.1:{cluster.pg_port}/airflow"
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(base / "airflow"),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db,
            "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{cluster.redis_port}/0",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://airflow@127.0.0.1:{cluster.pg_port}/airflow",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "1",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{cluster.api_port}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": "news-etl-test-secret-" + "x" * 32,
            "AIRFLOW__API__SECRET_KEY": "news-etl-test-api-secret",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "news_test_hostname.name",
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "PYTHONPATH": os.pathsep.join([str(hostmod), os.environ.get("PYTHONPATH", "")]),
            "PATH": f"{AIRFLOW.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "NO_PROXY": "*",
            **lake_env,
            "NEWS_ETL_INBOX": str(inbox),
            "NEWS_ETL_LAKE": str(lake),
            "NEWS_ETL_SCHEDULE": "none",
            "NEWS_ETL_BATCH_SIZE": str(BATCH_SIZE),
            "NEWS_ETL_BATCH_PROCESSES": "1",
        }
        cluster._run([str(AIRFLOW), "db", "migrate"], "airflow db migrate", env)
        cluster.start("api-server", [str(AIRFLOW), "api-server", "--port", str(cluster.api_port)], env)
        cluster.start("scheduler", [str(AIRFLOW), "scheduler"], env)
        cluster.start("dag-processor", [str(AIRFLOW), "dag-processor"], env)
        for worker in ("worker-a", "worker-b"):
            # Each worker its own lake folder (nothing shared on disk): catalog and data are remote.
            cluster.start(
                worker,
                [
                    str(AIRFLOW),
                    "celery",
                    "worker",
                    "--celery-hostname",
                    f"{worker}@%h",
                    "--concurrency",
                    "1",
                    "--skip-serve-logs",
                ],
                {**env, "NEWS_TEST_WORKER": worker, "NEWS_ETL_LAKE": str(base / worker / "lake")},
            )
        _wait(
            "both Celery workers ready",
            lambda: all(" ready." in cluster.log(w) for w in ("worker-a", "worker-b")),
            cluster,
            180,
        )
        _wait(
            "news_ingest parsed",
            lambda: _query(cluster, "select 1 from dag where dag_id = 'news_ingest' and is_stale = false"),
            cluster,
            180,
        )
        cluster._run([str(AIRFLOW), "dags", "unpause", "news_ingest"], "unpause", env)
        cluster._run([str(AIRFLOW), "dags", "trigger", "news_ingest"], "trigger", env)

        def finished() -> bool:
            rows = _query(cluster, "select state from dag_run where dag_id = 'news_ingest'")
            assert not any(r[0] == "failed" for r in rows), _failure_logs(cluster, base)
            return bool(rows) and all(r[0] == "success" for r in rows)

        _wait("the news_ingest run to succeed", finished, cluster, 600)

        ran_on = _query(
            cluster,
            "select map_index, hostname, state from task_instance "
            "where dag_id = 'news_ingest' and task_id = 'process_batch' order by map_index",
        )
        n_batches = -(-N_ARTICLES // BATCH_SIZE)
        assert len(ran_on) == n_batches and all(state == "success" for _, _, state in ran_on), ran_on
        hosts = {host for _, host, _ in ran_on}
        assert hosts == {"worker-a", "worker-b"}, f"mapped batches ran on {hosts}: {ran_on}"
        # Read while the catalog's server still runs: the lake as any other machine sees it.
        for key, value in lake_env.items():
            monkeypatch.setenv(key, value)
        dist_lake = lakes.Lake.of(get_settings().with_paths(lake=base / "reader" / "lake"))
        # The same inbox in one process (the CLI's path), into a second, embedded lake.
        single = lakes.Lake.of(get_settings(catalog=None, data_path=None).with_paths(lake=tmp_path / "single-lake"))
        run_ingest(
            get_settings(batch_size=10_000, batch_processes=1, catalog=None, data_path=None).with_paths(
                inbox, single.folder
            ),
            "single",
            RUN_AT,
            clock=lambda: RUN_AT,
        )
        for table, key, cols in [
            ("articles", ["article_id"], ["article_id", "source_path", "title", "body", "keywords", "content_hash"]),
            ("entities", ["article_id", "entity_id"], ["article_id", "entity_id", "name", "label", "mention_count"]),
            ("quotes", ["quote_id"], ["quote_id", "article_id", "quote", "speaker", "start_offset"]),
        ]:
            dist = lakes.read(dist_lake, table, cols).sort_by([(k, "ascending") for k in key])
            one = lakes.read(single, table, cols).sort_by([(k, "ascending") for k in key])
            assert dist.num_rows > 0, f"distributed run published no {table}"
            assert dist.num_rows == one.num_rows, (table, dist.num_rows, one.num_rows)
            assert dist.equals(one), f"{table} differs between the Celery run and the single-process run"
        ids = lakes.read(dist_lake, "articles", ["article_id"]).column("article_id")
        assert len(ids) == N_ARTICLES and pc.count_distinct(ids).as_py() == N_ARTICLES
        assert all(f.startswith("s3://news/") for f in lakes.referenced_files(dist_lake))
        assert not (base / "worker-a" / "lake" / "staging").exists()  # staging went to the bucket
    finally:
        cluster.stop()
    shutil.rmtree(base, ignore_errors=True)


def _failure_logs(cluster: Cluster, base: Path) -> str:
    task_logs = sorted((base / "airflow" / "logs").rglob("*.log"))[-3:]
    return (
        "news_ingest failed\n"
        + "\n".join(f"--- {p}\n{p.read_text(errors='replace')[-2000:]}" for p in task_logs)
        + "\n--- scheduler\n"
        + cluster.log("scheduler")[-2000:]
    )

"""A database of its own for each deployment an integration test starts, and the database at rest.

A test that starts several deployments (a data directory and key file each) gives each its own
database: on SQLite that is DATA_DIR/zhixian.db anyway; under tests/with_postgres.py
(ZX_IT_POSTGRES_URL and ZX_IT_POSTGRES_SCHEMA set) it is a schema of the throw-away cluster named
from the run's schema and a hash of the data directory's absolute path, so the same deployment
started again finds its database. with_postgres.py drops them all when the test ends.

  database_env(data_dir)   what to merge into the environment of every `zhixian` (serve or CLI)
                           run on data_dir: {} on SQLite, else ZHIXIAN_DATABASE_URL naming its
                           schema (made here on first use)
  query(data_dir, sql)     the rows of a SELECT as dicts, from the SQLite file or psql
  table_rows(data_dir, t)  each row of table t as one text (for plaintext checks)
  execute(data_dir, sql)   SQL through the engine's own client (sqlite3 CLI or psql), as an
                           attacker or a DBA with the database would; the CompletedProcess
  unguard_audit_log()      SQL lifting the audit log's append-only triggers (src/security/
                           schema.cc), as someone holding the database may, before tampering
  copy_database(src, dst)  the copy of src's database for dst (the file, or the schema)
  database_text(data_dir)  everything the database holds as text (pg_dump: BYTEA in hex; "" on
                           SQLite, whose file a scan of the data directory reads anyway)

Usage in a test: sys.path.insert(0, <tests directory>); import pg_deployments.
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess

BASE_URL = os.environ.get("ZX_IT_POSTGRES_URL", "")
RUN_SCHEMA = os.environ.get("ZX_IT_POSTGRES_SCHEMA", "")
_made = set()


def on_postgres():
    """Under tests/with_postgres.py."""
    return bool(BASE_URL and RUN_SCHEMA)


def schema(data_dir):
    digest = hashlib.sha1(os.path.abspath(data_dir).encode()).hexdigest()[:10]
    return f"{RUN_SCHEMA}_{digest}"


def url(data_dir):
    return (BASE_URL + ("&" if "?" in BASE_URL else "?") + "options=-csearch_path%3D" +
            schema(data_dir))


def _psql(target, sql, *extra, check=True):
    r = subprocess.run(["psql", target, "-X", "-q", "-v", "ON_ERROR_STOP=1", *extra, "-f", "-"],
                       input=sql, capture_output=True, text=True, timeout=60)
    if check and r.returncode != 0:
        raise RuntimeError(f"psql failed ({r.returncode}): {r.stderr}")
    return r


def database_env(data_dir):
    if not on_postgres():
        return {}
    name = schema(data_dir)
    if name not in _made:
        _psql(BASE_URL, f"CREATE SCHEMA IF NOT EXISTS {name};")
        _made.add(name)
    return {"ZHIXIAN_DATABASE_URL": url(data_dir)}


def query(data_dir, sql):
    if on_postgres():
        database_env(data_dir)
        out = _psql(url(data_dir), f"SELECT coalesce(json_agg(q), '[]') FROM ({sql}) q;",
                    "-A", "-t").stdout
        return json.loads(out)
    db = sqlite3.connect(f"file:{os.path.join(data_dir, 'zhixian.db')}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in db.execute(sql)]
    finally:
        db.close()


def table_rows(data_dir, table):
    return [" ".join(str(v) for v in row.values())
            for row in query(data_dir, f"SELECT * FROM {table}")]


def execute(data_dir, sql):
    if on_postgres():
        database_env(data_dir)
        return _psql(url(data_dir), sql, check=False)
    return subprocess.run(["sqlite3", os.path.join(data_dir, "zhixian.db")], input=sql,
                          capture_output=True, text=True, timeout=60)


def unguard_audit_log():
    if on_postgres():
        return "ALTER TABLE audit_log DISABLE TRIGGER USER;\n"
    return ("DROP TRIGGER IF EXISTS audit_log_no_update;\n"
            "DROP TRIGGER IF EXISTS audit_log_no_delete;\n")


def copy_database(src_data, dst_data):
    if not on_postgres():
        os.makedirs(dst_data, exist_ok=True)
        shutil.copy(os.path.join(src_data, "zhixian.db"), os.path.join(dst_data, "zhixian.db"))
        return
    src, dst = schema(src_data), schema(dst_data)
    dump = subprocess.run(["pg_dump", BASE_URL, "--no-owner", "--no-privileges", "-n", src],
                          capture_output=True, text=True, timeout=120, check=True).stdout
    # The names are the run's schema and a hash: found nowhere else in the dump.
    _psql(BASE_URL, f"DROP SCHEMA IF EXISTS {dst} CASCADE;\n" + dump.replace(src, dst))
    _made.add(dst)


def database_text(data_dir):
    if not on_postgres():
        return ""
    database_env(data_dir)
    return subprocess.run(["pg_dump", BASE_URL, "--data-only", "-n", schema(data_dir)],
                          capture_output=True, text=True, timeout=120, check=True).stdout

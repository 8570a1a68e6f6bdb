#!/usr/bin/env python3
"""Runs an integration test with every `zhixian` it starts on PostgreSQL (docs/deployment.md,
"Tests on both engines"): a fresh schema of the throw-away cluster (ZX_TEST_POSTGRES_URL,
scripts/pg_test_cluster.sh) is made, ZHIXIAN_DATABASE_URL names it for the test's processes, and
it is dropped afterwards. A test that starts several deployments gives each a schema of its own
(tests/pg_deployments.py, from ZX_IT_POSTGRES_URL and ZX_IT_POSTGRES_SCHEMA): named
<run's schema>_<hash>, dropped afterwards too. Exit 77 (skip) without ZX_TEST_POSTGRES_URL;
otherwise the test's exit code.

Usage: with_postgres.py COMMAND [ARGS...]
"""
import os
import subprocess
import sys

URL = os.environ.get("ZX_TEST_POSTGRES_URL", "")


def psql(*sql):
    args = ["psql", URL, "-q", "-v", "ON_ERROR_STOP=1"]
    for s in sql:
        args += ["-c", s]
    subprocess.run(args, check=True, capture_output=True, timeout=60)


def drop(schema):
    """Drops the run's schema and its deployments' (starts_with: "_" is a wildcard to LIKE)."""
    psql("DO $$DECLARE s text; BEGIN FOR s IN SELECT nspname FROM pg_namespace"
         " WHERE nspname = '%s' OR starts_with(nspname, '%s_') LOOP"
         " EXECUTE format('DROP SCHEMA %%I CASCADE', s); END LOOP; END $$" % (schema, schema))


def main():
    if not URL:
        print("SKIP: ZX_TEST_POSTGRES_URL is not set (scripts/test.sh starts a throw-away "
              "PostgreSQL; scripts/pg_test_cluster.sh)")
        return 77
    schema = "it_%d" % os.getpid()
    drop(schema)  # what a run of the same pid may have left
    psql("CREATE SCHEMA %s" % schema)
    url = URL + ("&" if "?" in URL else "?") + "options=-csearch_path%3D" + schema
    try:
        env = dict(os.environ, ZHIXIAN_DATABASE_URL=url, ZX_IT_POSTGRES_URL=URL,
                   ZX_IT_POSTGRES_SCHEMA=schema)
        return subprocess.run(sys.argv[1:], env=env).returncode
    finally:
        drop(schema)


if __name__ == "__main__":
    sys.exit(main())

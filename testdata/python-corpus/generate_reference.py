#!/usr/bin/env python3
"""Record what the REAL sqlalchemy-migrate 0.13.0 (SQLAlchemy 1.3.24) does with
the repositories of this corpus, on SQLite, PostgreSQL and MariaDB.

Run it with the Python of a virtualenv that has the real tool (see README.md):

    VENV=/tmp/sam-venv bash setup_venv.sh          # once
    /tmp/sam-venv/bin/python testdata/python-corpus/generate_reference.py

usage: generate_reference.py [--repos inventory,stacks,...] [--dbs sqlite,postgresql,mariadb]
                             [--out DIR] [--keep]

For each repository and database: a fresh database (PostgreSQL/MariaDB:
DROP + CREATE DATABASE samref_<repo>; SQLite: a new file), then

    migrate version_control URL REPO
    migrate upgrade URL REPO 1
    ...
    migrate upgrade URL REPO N           (N = the repository's latest version)
    migrate downgrade URL REPO R-1       (R = the version the upgrades reached)
    ...
    migrate downgrade URL REPO 0

The upgrades stop at the first one that fails (exit code != 0), the downgrades
then start from the version the database is at; they stop at the first failure
too.  A failure is recorded like any other step.

and after each command the normalised schema and rows (dump_schema.py --data,
beside this file), the exit code, stdout and stderr.  The result is
reference/<repo>/<db>.json: a JSON list with one object per step.

Determinism: every command runs on a copy of the repository in a fresh
temporary directory, with PYTHONHASHSEED=0, LC_ALL=C.UTF-8 and
PYTHONPATH=<this directory> (where the application package `app` lives).
Paths, URLs, database names and object addresses in stdout/stderr are replaced
by placeholders (<REPO>, <URL>, <DB>, <SITE>, <PYLIB>, <CORPUS>, 0x<ADDR>); the dump's
server_version and database name are removed.

Servers (override with environment variables):
  SAMREF_PG        postgresql://postgres@127.0.0.1:5432  (trust auth)
  SAMREF_MYSQL     mysql+pymysql://root@127.0.0.1:3306    (empty password)
"""
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DUMP = os.path.join(HERE, "..", "sam-oracle", "dump_schema.py")
REPOS = ["tutorial", "inventory", "stacks", "billing", "quirks"]
DBS = ["sqlite", "postgresql", "mariadb"]
PG = os.environ.get("SAMREF_PG", "postgresql://postgres@127.0.0.1:5432")
MYSQL = os.environ.get("SAMREF_MYSQL", "mysql+pymysql://root@127.0.0.1:3306")
PYTHON = sys.executable
MIGRATE = os.path.join(os.path.dirname(PYTHON), "migrate")


def db_name(repo):
    return "samref_" + repo


def url_for(db, repo, tmp):
    if db == "sqlite":
        return "sqlite:///" + os.path.join(tmp, repo + ".db")
    if db == "postgresql":
        return "%s/%s" % (PG, db_name(repo))
    if db == "mariadb":
        return "%s/%s" % (MYSQL, db_name(repo))
    raise ValueError(db)


def _server_parts(url):
    from urllib.parse import unquote, urlsplit
    u = urlsplit(url)
    return {"host": u.hostname or "127.0.0.1", "port": u.port,
            "user": unquote(u.username) if u.username else None,
            "password": unquote(u.password) if u.password else None}


def reset_db(db, repo, drop_only=False):
    name = db_name(repo)
    if db == "postgresql":
        import psycopg2
        p = _server_parts(PG)
        conn = psycopg2.connect(host=p["host"], port=p["port"] or 5432, user=p["user"],
                                password=p["password"], dbname="postgres")
        conn.autocommit = True
        cur = conn.cursor()
        cur.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
        if not drop_only:
            cur.execute('CREATE DATABASE "%s"' % name)
        conn.close()
    elif db == "mariadb":
        import pymysql
        p = _server_parts(MYSQL)
        conn = pymysql.connect(host=p["host"], port=p["port"] or 3306, user=p["user"],
                               password=p["password"] or "")
        cur = conn.cursor()
        cur.execute("DROP DATABASE IF EXISTS `%s`" % name)
        if not drop_only:
            cur.execute("CREATE DATABASE `%s`" % name)
        conn.close()


def latest_version(repo_dir):
    vs = [int(m.group(1)) for f in os.listdir(os.path.join(repo_dir, "versions"))
          for m in [re.match(r"^(\d+)_.*\.py$", f)] if m]
    return max(vs) if vs else 0


def run_env():
    e = dict(os.environ)
    e["PATH"] = os.path.dirname(PYTHON) + ":" + e.get("PATH", "")
    e["PYTHONPATH"] = HERE
    e["PYTHONHASHSEED"] = "0"
    e["LC_ALL"] = "C.UTF-8"
    e.pop("PYTHONDONTWRITEBYTECODE", None)
    e.pop("PYTHONUNBUFFERED", None)
    e.pop("PYTHONWARNINGS", None)
    return e


class Normaliser:
    def __init__(self, url, repo_copy, tmp, name):
        pairs = [
            (url, "<URL>"),
            (repo_copy, "<REPO>"),
            (tmp, "<TMP>"),
            (HERE, "<CORPUS>"),
            (sysconfig.get_paths()["purelib"], "<SITE>"),
            (sysconfig.get_paths()["stdlib"], "<PYLIB>"),
            (os.path.dirname(PYTHON), "<VENVBIN>"),
        ]
        # longest first, so that a path is not half-replaced by a prefix of it
        self.pairs = sorted([(a, b) for a, b in pairs if a], key=lambda p: -len(p[0]))
        self.name = name

    def __call__(self, s):
        for a, b in self.pairs:
            s = s.replace(a, b)
        s = s.replace(self.name, "<DB>")
        s = re.sub(r"0x[0-9a-fA-F]{6,}", "0x<ADDR>", s)
        return s


def dump(url):
    p = subprocess.run([PYTHON, DUMP, url, "--data"], capture_output=True, env=run_env())
    if p.returncode != 0:
        return {"dump_error": p.stderr.decode("utf-8", "replace")}
    d = json.loads(p.stdout.decode("utf-8"))
    d.pop("server_version", None)
    if isinstance(d.get("database"), dict):
        d["database"].pop("name", None)
    return d


def db_version(schema):
    rows = schema.get("version_rows") or []
    return int(rows[0][1]) if rows else 0


def run_repo_db(repo, db, out_dir, keep=False):
    tmp = tempfile.mkdtemp(prefix="samref-")
    try:
        repo_copy = os.path.join(tmp, repo)
        shutil.copytree(os.path.join(HERE, repo), repo_copy,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        url = url_for(db, repo, tmp)
        norm = Normaliser(url, repo_copy, tmp, db_name(repo))
        reset_db(db, repo)
        n = latest_version(repo_copy)
        steps = []

        def run(args):
            p = subprocess.run([MIGRATE] + args, capture_output=True, env=run_env(),
                               cwd=tmp, timeout=600)
            schema = dump(url)
            steps.append({
                "step": len(steps),
                "command": "migrate " + " ".join(norm(a) for a in args),
                "exit_code": p.returncode,
                "stdout": norm(p.stdout.decode("utf-8", "replace")),
                "stderr": norm(p.stderr.decode("utf-8", "replace")),
                "schema": schema,
            })
            print("  %-9s %-10s %-36s rc=%d" % (repo, db, steps[-1]["command"][:36], p.returncode),
                  flush=True)
            return p.returncode, db_version(schema)

        rc, reached = run(["version_control", url, repo_copy])
        for v in range(1, n + 1):
            rc, reached = run(["upgrade", url, repo_copy, str(v)])
            if rc != 0:
                break
        for v in range(reached - 1, -1, -1):
            rc, _ = run(["downgrade", url, repo_copy, str(v)])
            if rc != 0:
                break
        os.makedirs(os.path.join(out_dir, repo), exist_ok=True)
        with open(os.path.join(out_dir, repo, db + ".json"), "w") as f:
            json.dump(steps, f, indent=2, sort_keys=True, ensure_ascii=False)
            f.write("\n")
        if not keep:
            reset_db(db, repo, drop_only=True)
        return steps
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv):
    repos, dbs, out_dir, keep = REPOS, DBS, os.path.join(HERE, "reference"), False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--repos":
            repos = [x for x in argv[i + 1].split(",") if x]; i += 1
        elif a == "--dbs":
            dbs = [x for x in argv[i + 1].split(",") if x]; i += 1
        elif a == "--out":
            out_dir = os.path.abspath(argv[i + 1]); i += 1
        elif a == "--keep":
            keep = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            raise SystemExit("unknown argument %r (see --help)" % a)
        i += 1
    for repo in repos:
        for db in dbs:
            run_repo_db(repo, db, out_dir, keep)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

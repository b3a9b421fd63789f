"""Import speed: the full xkcd archive (3,279 comics, 167 images) into a fresh database, twice.

    .venv/bin/python bench/import_archive.py                       # SQLite, a temporary file
    DATABASE_URL=mysql://root@127.0.0.1:3306/taleas .venv/bin/python bench/import_archive.py

With DATABASE_URL set, the import goes to a database named `taleas_bench_import` on that server
(dropped and created again; the database named in the URL is not touched). Media go to a temporary
folder. Prints wall-clock seconds and records/s of `manage.py import_archive` (Django start-up
included) for the first run and for the re-run, where every record is unchanged. Target: under 15 s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "xkcd"
RECORDS = 3279
BENCH_DATABASE = "taleas_bench_import"


def fresh_mariadb(url: str) -> str:
    import dj_database_url
    import MySQLdb

    config = dj_database_url.parse(url)
    connection = MySQLdb.connect(
        host=config["HOST"] or "127.0.0.1",
        port=int(config["PORT"] or 3306),
        user=config["USER"],
        password=config["PASSWORD"] or "",
    )
    cursor = connection.cursor()
    cursor.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
    cursor.execute(f"CREATE DATABASE {BENCH_DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    connection.close()
    return url.rsplit("/", 1)[0] + "/" + BENCH_DATABASE


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="taleas-import-bench-"))
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(MEDIA_ROOT=str(work / "media"), LOG_LEVEL="WARNING")
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = fresh_mariadb(os.environ["DATABASE_URL"])
        where = f"MariaDB ({BENCH_DATABASE})"
    else:
        env["SQLITE_PATH"] = str(work / "db.sqlite3")
        where = f"SQLite ({env['SQLITE_PATH']})"

    def manage(*args: str) -> str:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
        if result.returncode:
            sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout.strip()

    manage("migrate", "--no-input", "-v", "0")
    print(f"Importing {DATA / 'comics.jsonl'} with its images into {where}")
    for label in ("first run", "re-run"):
        started = time.perf_counter()
        counts = manage(
            "import_archive", "--format", "xkcd", str(DATA / "comics.jsonl"), "--images", str(DATA / "images")
        )
        seconds = time.perf_counter() - started
        print(f"{label:>9}: {seconds:6.2f} s  {RECORDS / seconds:7.0f} records/s  [{counts}]")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()

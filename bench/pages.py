"""Reader pages under load: gunicorn (2 workers) on MariaDB with the full xkcd archive, driven by wrk.

    .venv/bin/python bench/pages.py [--duration 10] [--connections 8] [--skip-import]

What it does, in order:
1. (unless --skip-import) recreates the MariaDB database `taleas_bench`, migrates it and imports
   ../shared/data/xkcd with its images, timing the import;
2. starts gunicorn (2 sync workers, --preload) on 127.0.0.1:8765 with the production settings
   (DEBUG off, MariaDB, Redis, collected static files), twice: with the page cache off
   (PAGE_CACHE_SECONDS=0: every request renders its page) and on (the default, Redis);
3. loads each page with wrk (Debian's package) and prints requests/s, p50 and p99 beside the
   framework's floor, /healthz, a Django view that touches nothing. The random-comic run starts
   from an empty cache, so with the page cache on it includes every first render;
4. prints each worker's peak resident memory (VmHWM) and proportional share (Pss) after the run.
Needs MariaDB on 127.0.0.1:3306 (root, no password; BENCH_DATABASE_URL overrides), Redis on
127.0.0.1:6379 (database 9; BENCH_REDIS_URL overrides) and wrk.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "xkcd"
PY = sys.executable
ADDRESS = "127.0.0.1:8765"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "mysql://root@127.0.0.1:3306/taleas_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
MEDIA_ROOT = Path(os.environ.get("BENCH_MEDIA_ROOT", Path(tempfile.gettempdir()) / "taleas-bench-media"))


def environment() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_DEBUG"}}
    env.update(
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=REDIS_URL,
        MEDIA_ROOT=str(MEDIA_ROOT),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECRET_KEY="bench-" + "x" * 50,
        STATIC_ROOT=str(MEDIA_ROOT.parent / "taleas-bench-static"),
        LOG_LEVEL="WARNING",
    )
    return env


def manage(*args: str) -> str:
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=environment(), capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def recreate_database() -> None:
    name = DATABASE_URL.rsplit("/", 1)[1]
    subprocess.run(
        [
            "mariadb",
            "--protocol=tcp",
            "-h",
            "127.0.0.1",
            "-uroot",
            "-e",
            f"DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
        ],
        check=True,
    )
    shutil.rmtree(MEDIA_ROOT, ignore_errors=True)


def import_archive() -> float:
    manage("migrate", "--no-input")
    start = time.perf_counter()
    out = manage("import_archive", "--format", "xkcd", str(DATA / "comics.jsonl"), "--images", str(DATA / "images"))
    seconds = time.perf_counter() - start
    print(f"import of the full xkcd archive: {seconds:.1f} s  ({out.strip().splitlines()[-1]})")
    return seconds


def comic_paths() -> list[str]:
    code = (
        "from comics.models import Comic; "
        "print('\\n'.join(c.get_absolute_url() for c in Comic.objects.published().select_related('series')))"
    )
    return [line for line in manage("shell", "--no-imports", "-c", code).split() if line.startswith("/")]


def wait_for_server() -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://{ADDRESS}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("gunicorn did not start")


def run_wrk(path: str, *, duration: int, connections: int, script: str | None = None) -> tuple[float, str, str]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run([*cmd, f"http://{ADDRESS}{path}"], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        sys.exit(f"{path} answered errors under load:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # The "Latency Distribution" lines; "75.50%" elsewhere in wrk's output must not match.
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1)
    return rps, p50, p99


def worker_memory(master_pid: int) -> list[str]:
    """Peak resident memory (VmHWM) of each worker, and its proportional share (Pss: pages shared
    with the preloaded master counted in part), in MB."""
    children = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout.split()
    figures = []
    for pid in children:
        peak = int(re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text()).group(1))
        pss = int(re.search(r"Pss:\s+(\d+) kB", Path(f"/proc/{pid}/smaps_rollup").read_text()).group(1))
        figures.append(f"peak {peak / 1024:.1f} MB, Pss {pss / 1024:.1f} MB")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--skip-import", action="store_true", help="reuse the database of the last run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")

    if not args.skip_import:
        recreate_database()
        import_archive()
    manage("collectstatic", "--no-input", "-v0")
    paths = comic_paths()
    hot = paths[len(paths) // 2]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write("paths = {" + ",".join(f'"{p}"' for p in paths) + "}\n")
        lua.write("request = function() return wrk.format(nil, paths[math.random(#paths)]) end\n")

    pages = [
        ("floor: /healthz (trivial Django view)", "/healthz", None),
        (f"comic page, one hot comic ({hot})", hot, None),
        (f"comic page, random across {len(paths)} comics", "/", lua.name),
        ("home (latest + earlier comics)", "/", None),
        ("archive", "/archive/", None),
        ("RSS feed", "/feed/rss/", None),
    ]
    print(f"\n{len(paths)} published comics; wrk -t2 -c{args.connections} -d{args.duration}s; gunicorn -w 2 --preload")
    try:
        serve_and_load("no page cache: every request renders", pages, seconds="0", args=args)
        warm = (f"comic page, random, after one pass over all {len(paths)}", "/", lua.name)
        serve_and_load("page cache (Redis)", [*pages, warm], seconds="600", args=args, warm_up=paths)
    finally:
        os.unlink(lua.name)


def serve_and_load(mode: str, pages: list, *, seconds: str, args, warm_up: list[str] = ()) -> None:
    manage("shell", "--no-imports", "-c", "from django.core.cache import cache; cache.clear()")
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "taleas.wsgi", "-w", "2", "--preload", "-b", ADDRESS, "--log-level", "warning"],
        cwd=ROOT,
        env={**environment(), "PAGE_CACHE_SECONDS": seconds},
    )
    try:
        wait_for_server()
        print(f"\n{mode}\n{'page':<56} {'req/s':>8} {'p50':>9} {'p99':>9} {'% floor':>8}")
        floor = None
        for label, path, script in pages:
            if label.startswith("comic page, random, after"):
                with ThreadPoolExecutor(4) as pool:
                    list(pool.map(lambda p: urllib.request.urlopen(f"http://{ADDRESS}{p}").read(), warm_up))
            rps, p50, p99 = run_wrk(path, duration=args.duration, connections=args.connections, script=script)
            floor = floor or rps
            print(f"{label:<56} {rps:>8.0f} {p50:>9} {p99:>9} {100 * rps / floor:>7.0f}%")
        print("memory per worker: " + "; ".join(worker_memory(server.pid)))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()

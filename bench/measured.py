"""What the benchmark harnesses share: running one contender in its own process with its
wall time, CPU time and peak RSS, and the fresh SQLite copies every deleting contender
starts from and is checked on. Standard library only, as the harnesses are.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import time

GNU_TIME = "/usr/bin/time"


class Run:
    """One finished subprocess: wall and CPU time, peak RSS, exit status, output, and
    when it ran (time.monotonic(), comparable with a probe's timestamps)."""

    def __init__(self, wall, cpu, maxrss_kib, code, stdout, stderr, started, ended):
        self.wall, self.cpu, self.maxrss_kib, self.code = wall, cpu, maxrss_kib, code
        self.stdout, self.stderr = stdout, stderr
        self.started, self.ended = started, ended

    def json(self):
        """The last line of stdout that is a JSON object (sessctl's --format json)."""
        for line in reversed(self.stdout.strip().splitlines()):
            if line.startswith("{"):
                return json.loads(line)
        return {}


def run(cmd, work, env=None, stdout_path=None):
    """Runs `cmd` in its own process and measures it; a failing command ends the harness.

    stdout goes to `stdout_path` (e.g. /dev/null, then `Run.stdout` is empty) or to a file
    in `work` that is read back. The peak comes from GNU time (`%M`, its child's wait4
    ru_maxrss), not from our own wait4: Linux folds the RSS of the process that calls exec
    into the new program's ru_maxrss, so a child forked from this (large) harness would
    report the harness's size. GNU time is small, so its child's figure is the program's
    own. Without GNU time, the child's VmHWM is polled from /proc until it exits (a close
    lower bound) and the CPU time is unknown (None)."""
    out_path = stdout_path or os.path.join(work, "run.stdout")
    err_path = os.path.join(work, "run.stderr")
    rss_path = os.path.join(work, "run.rss")
    use_time = os.access(GNU_TIME, os.X_OK)
    full = [GNU_TIME, "-f", "%U %S %M", "-o", rss_path, "--"] + cmd if use_time else cmd
    hwm = 0
    with open(out_path, "w") as out, open(err_path, "w") as err:
        started = time.monotonic()
        t0 = time.perf_counter()
        proc = subprocess.Popen(full, stdout=out, stderr=err, env=env)
        if use_time:
            proc.wait()
        else:
            while proc.poll() is None:
                hwm = max(hwm, vm_hwm(proc.pid))
                time.sleep(0.005)
        wall = time.perf_counter() - t0
        ended = time.monotonic()
    stdout = ""
    if stdout_path is None:
        with open(out_path) as f:
            stdout = f.read()
    with open(err_path) as f:
        stderr = f.read()
    cpu = None
    if use_time:
        with open(rss_path) as f:
            fields = f.read().split()
        # GNU time writes "Command exited with non-zero status N" first on failure.
        if len(fields) >= 3 and fields[-1].isdigit():
            cpu = float(fields[-3]) + float(fields[-2])
            hwm = int(fields[-1])
    if proc.returncode != 0:
        raise SystemExit("command failed (exit %d): %s\n%s" % (proc.returncode, " ".join(cmd), stderr[-2000:]))
    return Run(wall, cpu, hwm, proc.returncode, stdout, stderr, started, ended)


def vm_hwm(pid):
    """The peak RSS of a running process in KiB (0 once it is gone)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def fresh_sqlite_copy(base, path):
    """A copy of the SQLite database `base` at `path`, on disk before the contender starts:
    otherwise its first commit's fsync would also pay for writing back the whole copy."""
    remove_sqlite(path)
    shutil.copyfile(base, path)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def remove_sqlite(path):
    """The SQLite database at `path` and whatever journal or WAL files it left."""
    for p in (path, path + "-journal", path + "-wal", path + "-shm"):
        if os.path.exists(p):
            os.remove(p)


def verify_purged(path, meta, name):
    """Every deleting contender must leave exactly the active rows of `meta` (same count,
    same rowid sum, nothing expired at `meta["ref_text"]`); returns the count."""
    con = sqlite3.connect(path)
    count, rowid_sum, expired_left = con.execute(
        'SELECT count(*), coalesce(sum(rowid), 0), coalesce(sum(expire_date < ?), 0) FROM "django_session"',
        (meta["ref_text"],)).fetchone()
    con.close()
    if (count, rowid_sum, expired_left) != (meta["active"], meta["active_rowid_sum"], 0):
        raise SystemExit("%s left the wrong rows: %d rows (expected %d), rowid sum %d (expected %d), "
                         "%d expired rows left" % (name, count, meta["active"], rowid_sum,
                                                   meta["active_rowid_sum"], expired_left))
    return count


def cpu_model():
    """The CPU's model name from /proc/cpuinfo, for the machine line under a table."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def fmt_s(x):
    return "-" if x is None else ("%.2f s" % x if x >= 1 else "%.0f ms" % (x * 1000))


def fmt_mib(kib):
    return "-" if kib is None else "%.1f MiB" % (kib / 1024)


def print_table(headers, rows):
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))
    print(flush=True)

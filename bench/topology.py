#!/usr/bin/env python3
"""Purge benchmark on replicated and clustered databases (a harness that prints figures, not a test).

For each topology asked for, the harness starts the servers itself, on free loopback ports,
under bench/work/topology/ (git-ignored), and stops them when it ends (also after an error
or Ctrl-C):

  pg       PostgreSQL primary + streaming hot standby (initdb; pg_basebackup -R -C -S)
  mariadb  MariaDB primary + replica (binlog ROW, GTID, master_use_gtid=slave_pos)
  galera   three-node MariaDB Galera cluster (galera-4, --wsrep-new-cluster, rsync SST)

It fills a Django-shaped django_session table (Django's DDL and expire_date index, 32-char
keys in random order, one real signed Django session value, --rows sessions, half expired),
and per round, on fresh identical data, purges it on the primary (Galera: node 1) with:

  raw DELETE   DELETE FROM django_session WHERE expire_date < now  (what clearsessions runs)
  defaults     sessctl clear-expired
  max-lag 1s   sessctl clear-expired --max-lag 1s  (MariaDB: with --replica URL of the replica;
               sessctl takes --replica only with --max-lag)
  polite       sessctl clear-expired --batch-time 50ms --nice 1

Figures per method: the primary's wall time; "done everywhere", from the start until every
standby / replica / node has applied the purge (PostgreSQL: the standby's replay LSN has
reached the primary's LSN at the end; MariaDB: the replica's gtid_slave_pos has reached the
primary's gtid_binlog_pos; Galera: no node has an expired row left), on InnoDB also until
every server's history list is back to its idle level; the largest replica lag sampled every
100 ms while it ran; and the p99 latency of a probe on the other node(s), which loads a random
live session (Galera: 70 % loads, 30 % renewals) every 2 ms, against the same probe's p99 on
the idle table just before. Times are also given as multiples of the raw DELETE's.

The harness checks, after every method and on every server, that no expired session is left
and that every live one is still there, and stops with an error otherwise. It asserts no
timing.

Usage:
  bench/topology.py [--only pg|mariadb|galera] [--rows N] [--repeat N] [--sessctl PATH]
                    [--keep] [--json FILE]
Needs: Python 3 (standard library only), the psql and mariadb/mysql clients, PostgreSQL
(/usr/lib/postgresql/*/bin), mariadbd + mariadb-install-db, galera-4 and rsync; run as root
(the servers then run as the postgres and mysql users) or as a user who may run them.
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import zlib

# Django's DDL for the session table, the same as the single-server purge benchmark's.
from servers import MY_DDL, PG_DDL

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "work", "topology")
DB = "bench"
T = "django_session"
GALERA = "/usr/lib/galera/libgalera_smm.so"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def is_root():
    return os.geteuid() == 0


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(argv, user=None, check=True, **kw):
    if user and is_root():
        argv = ["runuser", "-u", user, "--"] + argv
    out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if check and out.returncode != 0:
        raise SystemExit("%s failed (%d): %s%s" % (" ".join(argv), out.returncode, out.stdout, out.stderr))
    return out


def session_value():
    """A session as Django 4+ stores it: signing.dumps() of the JSON-serialized dict
    (zlib-compressed when smaller), salt django.contrib.sessions.SessionStore, TimestampSigner,
    HMAC-SHA256 with a SECRET_KEY of the harness's own."""
    session = {"_auth_user_id": "42", "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
               "_auth_user_hash": hashlib.sha256(b"bench").hexdigest(),
               "cart": [{"sku": "SKU-%04d" % i, "qty": i % 3 + 1} for i in range(6)],
               "django_language": "en", "last_seen": "2026-01-01T00:00:00Z"}
    data = json.dumps(session, separators=(",", ":")).encode()
    compressed = zlib.compress(data)
    prefix = ""
    if len(compressed) < len(data) - 1:
        data, prefix = compressed, "."
    value = prefix + base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    ts, digits = int(time.time()), "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    b62 = ""
    while ts:
        ts, r = divmod(ts, 62)
        b62 = digits[r] + b62
    value = "%s:%s" % (value, b62)
    salt = "django.contrib.sessions.SessionStore" + "signer"
    key = hashlib.sha256((salt + "sessctl-bench-secret-key").encode()).digest()
    sig = base64.urlsafe_b64encode(hmac.new(key, value.encode(), hashlib.sha256).digest()).rstrip(b"=").decode()
    return value + ":" + sig


def live_key(i):
    """Session i's key: 32 hex characters, in random order against i; odd i are live."""
    return hashlib.md5(("%dk" % i).encode()).hexdigest()


class Client:
    """A psql or mariadb client process kept open: statements go to its stdin, and a marker
    after each tells where its output ends."""

    def __init__(self, kind, port, db=DB, sock=None):
        self.kind = kind
        if kind == "pg":
            argv = ["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", db]
            self.marker = "\\echo __END__\n"
        else:
            argv = ["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", str(port), "-uroot", "-N", "-B", "-n", "-f", db]
            self.marker = "SELECT '__END__';\n"
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, bufsize=1)

    def query(self, sql, check=True):
        self.p.stdin.write(sql.rstrip().rstrip(";") + ";\n" + self.marker)
        self.p.stdin.flush()
        rows, error = [], None
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise SystemExit("client ended: %s" % "\n".join(rows))
            line = line.rstrip("\n")
            if line == "__END__":
                break
            if line.startswith("ERROR") or line.startswith("psql:"):
                error = line
            elif line:
                rows.append(line.split("\t"))
        if error and check:
            raise SystemExit("%s: %s" % (sql[:200], error))
        return rows if not error else None

    def one(self, sql):
        rows = self.query(sql)
        return rows[0][0] if rows else None

    def close(self):
        try:
            self.p.stdin.close()
            self.p.wait(timeout=5)
        except Exception:
            self.p.kill()


# --- servers ---------------------------------------------------------------------------

class Pg:
    kind = "pg"

    def __init__(self, root, port):
        self.root, self.port = root, port
        self.data = os.path.join(root, "data")
        bins = sorted(d for d in os.listdir("/usr/lib/postgresql") if os.path.isfile("/usr/lib/postgresql/%s/bin/initdb" % d))
        if not bins:
            raise SystemExit("no /usr/lib/postgresql/*/bin/initdb")
        self.bin = "/usr/lib/postgresql/%s/bin/" % bins[-1]

    def ctl(self, *args, check=True):
        return run([self.bin + "pg_ctl", "-D", self.data] + list(args), user="postgres", check=check)

    def start(self):
        self.ctl("-l", os.path.join(self.root, "log"), "-w", "-t", "120", "start")

    def stop(self):
        self.ctl("-m", "immediate", "stop", check=False)

    def url(self):
        return "postgres://postgres@127.0.0.1:%d/%s" % (self.port, DB)


def pg_topology(work):
    root = os.path.join(work, "pg")
    os.makedirs(root)
    p, s = Pg(os.path.join(root, "primary"), free_port()), None
    for d in (p.root,):
        os.makedirs(d)
    if is_root():
        run(["chown", "-R", "postgres:postgres", root])
    os.chmod(root, 0o755)
    run([p.bin + "initdb", "-D", p.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"], user="postgres")
    with open(os.path.join(p.data, "postgresql.conf"), "a") as f:
        f.write("\nport = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n"
                "shared_buffers = 512MB\nmax_wal_size = 4GB\ncheckpoint_timeout = 30min\n"
                "wal_receiver_status_interval = 1s\n" % (p.port, p.root))
    with open(os.path.join(p.data, "pg_hba.conf"), "a") as f:
        f.write("host replication postgres 127.0.0.1/32 trust\n")
    p.start()
    cleanup.append(p.stop)
    run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(p.port), "-U", "postgres", "-d", "postgres",
         "-c", "CREATE DATABASE %s" % DB])
    s = Pg(os.path.join(root, "standby"), free_port())
    os.makedirs(s.root)
    if is_root():
        run(["chown", "postgres:postgres", s.root])
    run([p.bin + "pg_basebackup", "-h", "127.0.0.1", "-p", str(p.port), "-U", "postgres", "-D", s.data,
         "-R", "-C", "-S", "standby1", "-X", "stream", "-c", "fast"], user="postgres")
    with open(os.path.join(s.data, "postgresql.conf"), "a") as f:
        f.write("\nport = %d\nunix_socket_directories = '%s'\nhot_standby = on\n" % (s.port, s.root))
    auto = os.path.join(s.data, "postgresql.auto.conf")
    with open(auto) as f:
        text = f.read().replace("primary_conninfo = '", "primary_conninfo = 'application_name=standby1 ")
    with open(auto, "w") as f:
        f.write(text)
    s.start()
    cleanup.append(s.stop)
    c = Client("pg", p.port)
    deadline = time.monotonic() + 60
    while c.one("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") != "1":
        if time.monotonic() > deadline:
            raise SystemExit("the standby never streamed")
        time.sleep(0.2)
    c.close()
    log("pg: primary 127.0.0.1:%d, standby 127.0.0.1:%d" % (p.port, s.port))
    return p, [s]


class Maria:
    kind = "mariadb"

    def __init__(self, root, conf):
        self.root, self.port = root, free_port()
        os.makedirs(root)
        os.chmod(root, 0o755)
        user = "user=mysql\n" if is_root() else ""
        if is_root():
            run(["chown", "mysql:mysql", root])
        self.cnf = os.path.join(root, "my.cnf")
        with open(self.cnf, "w") as f:
            f.write("[mariadbd]\ndatadir={d}/data\nsocket={d}/sock\npid-file={d}/pid\nlog-error={d}/err.log\n"
                    "port={port}\nbind-address=127.0.0.1\nskip-name-resolve\n{user}"
                    "innodb_buffer_pool_size=512M\ninnodb_log_file_size=256M\n"
                    "character-set-server=utf8mb4\n{conf}\n".format(d=root, port=self.port, user=user, conf=conf))
        self.child = None

    def install(self, *args):
        run(["mariadb-install-db", "--defaults-file=" + self.cnf, "--skip-test-db",
             "--auth-root-authentication-method=normal"] + list(args))

    def start(self, *args):
        self.child = subprocess.Popen(["mariadbd", "--defaults-file=" + self.cnf] + list(args),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cleanup.append(self.stop)
        account = ("SET SESSION sql_log_bin = 0; CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; "
                   "GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION")
        deadline = time.monotonic() + 300
        while self.sock_sql(account, check=False).returncode != 0:
            if self.child.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("mariadbd did not start: %s" % self.log_tail())
            time.sleep(0.2)

    def sock_sql(self, sql, check=True):
        return run(["mariadb", "--no-defaults", "--socket=" + os.path.join(self.root, "sock"), "-uroot", "-N", "-B",
                    "-e", sql], check=check)

    def log_tail(self):
        try:
            with open(os.path.join(self.root, "err.log")) as f:
                return "".join(f.readlines()[-20:])
        except OSError:
            return ""

    def stop(self):
        if self.child and self.child.poll() is None:
            self.child.kill()
            self.child.wait()

    def url(self):
        return "mysql://root@127.0.0.1:%d/%s" % (self.port, DB)


def mariadb_topology(work):
    root = os.path.join(work, "mariadb")
    os.makedirs(root)
    os.chmod(root, 0o755)
    p = Maria(os.path.join(root, "primary"), "server_id=1\nlog_bin=binlog\nbinlog_format=ROW\ngtid_domain_id=0")
    r = Maria(os.path.join(root, "replica"), "server_id=2\nrelay_log=relay\nbinlog_format=ROW\nread_only=ON")
    for m in (p, r):
        m.install()
        m.start()
    p.sock_sql("SET SESSION sql_log_bin = 0; CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'repl'; "
               "GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'")
    r.sock_sql("CHANGE MASTER TO master_host='127.0.0.1', master_port=%d, master_user='repl', master_password='repl', "
               "master_use_gtid=slave_pos, master_connect_retry=1; START SLAVE" % p.port)
    p.sock_sql("CREATE DATABASE %s" % DB)
    deadline = time.monotonic() + 60
    while DB not in r.sock_sql("SHOW DATABASES").stdout.split():
        if time.monotonic() > deadline:
            raise SystemExit("the replica never replicated: %s" % r.sock_sql("SHOW SLAVE STATUS\\G").stdout)
        time.sleep(0.2)
    log("mariadb: primary 127.0.0.1:%d, replica 127.0.0.1:%d" % (p.port, r.port))
    return p, [r]


def galera_topology(work):
    if not os.path.isfile(GALERA):
        raise SystemExit("no %s (apt-get install galera-4)" % GALERA)
    root = os.path.join(work, "galera")
    os.makedirs(root)
    os.chmod(root, 0o755)
    ports = [(free_port(), free_port(), free_port()) for _ in range(3)]
    address = "gcomm://" + ",".join("127.0.0.1:%d" % g for g, _, _ in ports)
    nodes = []
    for i, (gcomm, ist, sst) in enumerate(ports):
        conf = ("binlog_format=ROW\ndefault_storage_engine=InnoDB\ninnodb_autoinc_lock_mode=2\n"
                "server_id={id}\nwsrep_on=ON\nwsrep_provider={prov}\nwsrep_cluster_name=sessctl_bench\n"
                "wsrep_cluster_address={addr}\nwsrep_node_name=node{n}\nwsrep_node_address=127.0.0.1:{g}\n"
                "wsrep_provider_options=\"gmcast.listen_addr=tcp://127.0.0.1:{g};ist.recv_addr=127.0.0.1:{ist};gcache.size=512M\"\n"
                "wsrep_sst_method=rsync\nwsrep_sst_receive_address=127.0.0.1:{sst}\n").format(
                    id=31 + i, prov=GALERA, addr=address, n=i + 1, g=gcomm, ist=ist, sst=sst)
        node = Maria(os.path.join(root, "node%d" % (i + 1)), conf)
        node.install("--wsrep-on=OFF")
        if i == 0:
            node.start("--wsrep-new-cluster")
        else:
            node.start()
        deadline = time.monotonic() + 300
        while "Synced" not in node.sock_sql("SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'", check=False).stdout:
            if time.monotonic() > deadline:
                raise SystemExit("node %d never Synced: %s" % (i + 1, node.log_tail()))
            time.sleep(0.2)
        nodes.append(node)
    nodes[0].sock_sql("CREATE DATABASE %s" % DB)
    for n in nodes[1:]:
        deadline = time.monotonic() + 60
        while DB not in n.sock_sql("SHOW DATABASES").stdout.split():
            if time.monotonic() > deadline:
                raise SystemExit("no replication to node %s" % n.root)
            time.sleep(0.2)
    log("galera: nodes on 127.0.0.1:%s" % ", ".join(str(n.port) for n in nodes))
    return nodes[0], nodes[1:]


# --- data ------------------------------------------------------------------------------

def fill_source(primary, others, rows, value):
    """bench_src, once: session i (1..rows) has key md5('<i>k'); even i expired 1 to 1000
    minutes ago, odd i live for a day or more."""
    c = Client(primary.kind, primary.port)
    log("making %d sessions ..." % rows)
    if primary.kind == "pg":
        c.query("CREATE TABLE bench_src (n integer PRIMARY KEY, session_key varchar(40) NOT NULL, "
                "session_data text NOT NULL, expire_date timestamp with time zone NOT NULL)")
        c.query("INSERT INTO bench_src SELECT i, md5(i::text || 'k'), '%s', "
                "CASE WHEN i %% 2 = 0 THEN now() - (1 + i %% 1000) * interval '1 minute' "
                "ELSE now() + interval '1 day' + (i %% 1000) * interval '1 minute' END "
                "FROM generate_series(1, %d) i" % (value, rows))
        c.query("VACUUM ANALYZE bench_src")
    else:
        c.query("CREATE TABLE bench_src (n int PRIMARY KEY, session_key varchar(40) NOT NULL, "
                "session_data longtext NOT NULL, expire_date datetime(6) NOT NULL)")
        for start in range(1, rows + 1, 50000):
            end = min(start + 49999, rows)
            c.query("INSERT INTO bench_src SELECT seq, MD5(CONCAT(seq, 'k')), '%s', "
                    "IF(seq %% 2 = 0, UTC_TIMESTAMP(6) - INTERVAL (1 + seq %% 1000) MINUTE, "
                    "UTC_TIMESTAMP(6) + INTERVAL 1 DAY + INTERVAL (seq %% 1000) MINUTE) FROM seq_%d_to_%d"
                     % (value, start, end))
    c.close()


def reset(primary, others, rows):
    """A fresh django_session from bench_src on the primary, replicated everywhere, every
    server caught up and idle."""
    c = Client(primary.kind, primary.port)
    c.query("DROP TABLE IF EXISTS %s" % T)
    for ddl in (PG_DDL if primary.kind == "pg" else MY_DDL):
        c.query(ddl.format(t=T))
    cols = "session_key, session_data, expire_date"
    if primary.kind == "pg":
        c.query("INSERT INTO %s SELECT %s FROM bench_src ORDER BY n" % (T, cols))
        c.query("VACUUM ANALYZE %s" % T)
        c.query("CHECKPOINT")
    else:
        for start in range(1, rows + 1, 50000):
            c.query("INSERT INTO %s SELECT %s FROM bench_src WHERE n BETWEEN %d AND %d"
                    % (T, cols, start, start + 49999))
        c.query("ANALYZE TABLE %s" % T)
    c.close()
    wait_everywhere(primary, others, time.monotonic() + 600, {})
    for o in others:
        oc = Client(o.kind, o.port)
        if oc.one("SELECT count(*) FROM %s" % T) != str(rows):
            raise SystemExit("%s: the copy of the table on the other server is incomplete" % primary.kind)
        if o.kind == "pg":
            oc.query("CHECKPOINT")  # a restartpoint
        oc.close()
    if primary.kind != "pg":
        idle_history([primary] + others, {s.port: 0 for s in [primary] + others}, time.monotonic() + 600)


def history_len(c):
    return int(c.one("SELECT count FROM information_schema.INNODB_METRICS WHERE name = 'trx_rseg_history_len'"))


def idle_history(servers, levels, deadline):
    """Waits until every server's InnoDB history list is at most its idle level."""
    for s in servers:
        c = Client(s.kind, s.port)
        while history_len(c) > levels[s.port]:
            if time.monotonic() > deadline:
                raise SystemExit("InnoDB's history list on port %d did not shrink" % s.port)
            time.sleep(0.05)
        c.close()


def gtid_seqs(pos):
    """{domain: seq_no} of a GTID position like 0-1-1234,1-2-7."""
    out = {}
    for part in (pos or "").split(","):
        part = part.strip()
        if part:
            d, _, seq = part.split("-")
            out[int(d)] = int(seq)
    return out


def wait_everywhere(primary, others, deadline, levels, purged=False):
    """Until every other server has applied what the primary has done so far (Galera, after
    a purge: until no node has an expired session left); with `levels`, InnoDB's history
    list on every server back to its idle level as well."""
    pc = Client(primary.kind, primary.port)
    if primary.kind == "pg":
        target = pc.one("SELECT pg_current_wal_lsn()")
        for o in others:
            oc = Client(o.kind, o.port)
            while oc.one("SELECT pg_last_wal_replay_lsn() >= '%s'::pg_lsn" % target) != "t":
                if time.monotonic() > deadline:
                    raise SystemExit("the standby did not reach %s" % target)
                time.sleep(0.02)
            oc.close()
    elif others and primary_is_galera(pc):
        for o in others:
            oc = Client(o.kind, o.port)
            def behind():
                if purged:
                    return oc.one("SELECT count(*) FROM %s WHERE expire_date < UTC_TIMESTAMP(6)" % T) != "0"
                return oc.one("SELECT count(*) FROM %s" % T) != pc.one("SELECT count(*) FROM %s" % T)
            while behind():
                if time.monotonic() > deadline:
                    raise SystemExit("Galera node %d did not catch up" % o.port)
                time.sleep(0.02)
            oc.close()
    else:
        target = gtid_seqs(pc.one("SELECT @@gtid_binlog_pos"))
        for o in others:
            oc = Client(o.kind, o.port)
            while True:
                have = gtid_seqs(oc.one("SELECT @@gtid_slave_pos"))
                if all(have.get(d, 0) >= s for d, s in target.items()):
                    break
                if time.monotonic() > deadline:
                    raise SystemExit("the replica did not reach %s" % target)
                time.sleep(0.02)
            oc.close()
    pc.close()
    if levels:
        idle_history([primary] + others, levels, deadline)


def primary_is_galera(c):
    return c.one("SELECT @@wsrep_on") == "1"


def check(primary, others, rows, name):
    for s in [primary] + others:
        c = Client(s.kind, s.port)
        now = "now()" if s.kind == "pg" else "UTC_TIMESTAMP(6)"
        expired = int(c.one("SELECT count(*) FROM %s WHERE expire_date < %s" % (T, now)))
        live = int(c.one("SELECT count(*) FROM %s WHERE expire_date >= %s" % (T, now)))
        c.close()
        if expired:
            raise SystemExit("%s on %s (port %d) left %d expired sessions" % (name, s.kind, s.port, expired))
        if live != rows - rows // 2:
            raise SystemExit("%s on %s (port %d): %d live sessions instead of %d"
                             % (name, s.kind, s.port, live, rows - rows // 2))


# --- probe and lag monitor -------------------------------------------------------------

class Probe(threading.Thread):
    """A live site on another node: loads a random live session (and on Galera renews one
    in three of ten) every 2 ms; standbys and read-only replicas only load."""

    def __init__(self, server, keys, renew, seed):
        super().__init__(daemon=True)
        self.server, self.keys, self.renew = server, keys, renew
        self.stop = threading.Event()
        self.latencies = []  # (load | renew, seconds)
        self.errors = 0
        self.rng = random.Random(seed)
        self.c = Client(server.kind, server.port)

    def run(self):
        if self.server.kind == "pg":
            load = "SELECT session_data, expire_date FROM %s WHERE session_key = '%%s' AND expire_date > now()" % T
        else:
            load = "SELECT session_data, expire_date FROM %s WHERE session_key = '%%s' AND expire_date > UTC_TIMESTAMP(6)" % T
        renew = "UPDATE %s SET expire_date = UTC_TIMESTAMP(6) + INTERVAL 14 DAY WHERE session_key = '%%s'" % T
        while not self.stop.is_set():
            kind = "renew" if self.renew and self.rng.random() < 0.3 else "load"
            sql = (renew if kind == "renew" else load) % self.rng.choice(self.keys)
            started = time.perf_counter()
            if self.c.query(sql, check=False) is None:
                self.errors += 1
            self.latencies.append((kind, time.perf_counter() - started))
            time.sleep(0.002)
        self.c.close()


class LagMonitor(threading.Thread):
    """Samples the replicas' lag every 100 ms; keeps the largest values seen."""

    def __init__(self, primary, others, galera):
        super().__init__(daemon=True)
        self.primary, self.others, self.galera = primary, others, galera
        self.stop = threading.Event()
        self.max = {}
        self.pc = Client(primary.kind, primary.port)
        self.ocs = [Client(o.kind, o.port) for o in others]
        if galera:
            self.fc_start = self.fc_paused_ns()

    def fc_paused_ns(self):
        return sum(int(c.query("SHOW GLOBAL STATUS LIKE 'wsrep_flow_control_paused_ns'")[0][1])
                   for c in [self.pc] + self.ocs)

    def keep(self, name, value):
        if value is not None:
            self.max[name] = max(self.max.get(name, 0), value)

    def sample(self):
        if self.primary.kind == "pg":
            rows = self.pc.query("SELECT COALESCE(EXTRACT(epoch FROM replay_lag), 0), "
                                 "COALESCE(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0) FROM pg_stat_replication")
            for lag, behind in rows:
                self.keep("lag_s", float(lag))
                self.keep("behind_mb", float(behind) / 1e6)
        elif self.galera:
            for c in self.ocs:
                self.keep("recv_queue", int(c.query("SHOW GLOBAL STATUS LIKE 'wsrep_local_recv_queue'")[0][1]))
        else:
            target = gtid_seqs(self.pc.one("SELECT @@gtid_binlog_pos"))
            for c in self.ocs:
                have = gtid_seqs(c.one("SELECT @@gtid_slave_pos"))
                self.keep("gtid_behind", sum(max(0, s - have.get(d, 0)) for d, s in target.items()))
                self.keep("sbm_s", self.seconds_behind(c))

    def seconds_behind(self, c):
        rows = c.query("SHOW SLAVE STATUS") or []
        # Without column names (-N) the field is found by position: Slave_IO_Running is
        # SHOW SLAVE STATUS's 11th column, Seconds_Behind_Master its 33rd.
        if rows and len(rows[0]) > 32 and rows[0][10] in ("Yes", "No", "Connecting") \
                and rows[0][32] not in ("NULL", ""):
            return int(rows[0][32])
        return None

    def run(self):
        while not self.stop.is_set():
            started = time.monotonic()
            self.sample()
            self.stop.wait(max(0, 0.1 - (time.monotonic() - started)))
        if self.galera:
            self.max["fc_paused_s"] = (self.fc_paused_ns() - self.fc_start) / 1e9
        self.pc.close()
        for c in self.ocs:
            c.close()


# --- methods ---------------------------------------------------------------------------

def raw_delete(primary):
    c = Client(primary.kind, primary.port)
    if primary.kind == "pg":
        c.query("DELETE FROM %s WHERE expire_date < now()" % T)
    else:
        # Django's MySQL backend runs in READ COMMITTED.
        c.query("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        c.query("DELETE FROM %s WHERE expire_date < UTC_TIMESTAMP(6)" % T)
    c.close()
    return None


def sessctl(binary, primary, replicas, options):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    argv = [binary, "--database-url", primary.url(), "--now", now, "--format", "json", "-v", "clear-expired"] + options
    for r in replicas:
        argv += ["--replica", r.url()]
    out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, HOME="/nonexistent"))
    if out.returncode != 0:
        raise SystemExit("%s exited %d: %s" % (" ".join(argv), out.returncode, out.stderr[-2000:]))
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    batch_times = []
    for line in out.stderr.splitlines():
        # "batch N: deleted R (of at most B) in 0.123 s, ..." lines of -v
        words = line.replace(",", " ").split()
        if words[:1] == ["batch"] and "in" in words:
            try:
                batch_times.append(float(words[words.index("in") + 1]))
            except (ValueError, IndexError):
                pass
    summary["_batch_seconds_max"] = max(batch_times) if batch_times else None
    summary["_stderr_tail"] = out.stderr.splitlines()[-3:]
    return summary


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def probes_during(probes, idle_cut):
    return [x for p, cut in zip(probes, idle_cut) for x in p.latencies[cut:]]


def measure(topo, primary, others, rows, name, fn, repeat):
    galera = topo == "galera"
    rounds, idle, during = [], [], []
    errors = 0
    keys = [live_key(i) for i in range(1, min(rows, 20000) + 1, 2)]
    for rnd in range(repeat):
        reset(primary, others, rows)
        levels = {}
        if primary.kind != "pg":
            for s in [primary] + others:
                c = Client(s.kind, s.port)
                levels[s.port] = max(history_len(c) for _ in range(5)) + 64
                c.close()
        probes = [Probe(o, keys, galera, 7 + i + 10 * rnd) for i, o in enumerate(others)]
        for p in probes:
            p.start()
        time.sleep(1.5)
        idle_cut = [len(p.latencies) for p in probes]
        monitor = LagMonitor(primary, others, galera)
        monitor.start()
        started = time.perf_counter()
        extra = fn()
        primary_s = time.perf_counter() - started
        wait_everywhere(primary, others, time.monotonic() + 1200, levels, purged=True)
        everywhere_s = time.perf_counter() - started
        monitor.stop.set()
        monitor.join()
        for p in probes:
            p.stop.set()
        for p, cut in zip(probes, idle_cut):
            p.join()
            idle += p.latencies[:cut]
            during += p.latencies[cut:]
            errors += p.errors
        check(primary, others, rows, name)
        rounds.append({"primary_s": primary_s, "everywhere_s": everywhere_s, "lag": monitor.max, "extra": extra})
        log("  round %d: primary %.2f s, everywhere %.2f s, lag %s, probe p99 %.1f ms (idle %.1f ms)" % (
            rnd + 1, primary_s, everywhere_s, monitor.max,
            percentile([t for _, t in probes_during(probes, idle_cut)], 99) * 1000,
            percentile([t for p, cut in zip(probes, idle_cut) for _, t in p.latencies[:cut]], 99) * 1000))
    mid = sorted(rounds, key=lambda r: r["everywhere_s"])[len(rounds) // 2]

    def ms(samples, p, kind=None):
        return percentile([t for k, t in samples if kind in (None, k)], p) * 1000

    lag = {}
    for r in rounds:
        for k, v in r["lag"].items():
            lag[k] = max(lag.get(k, 0), v)
    return {
        "topology": topo, "method": name,
        "primary_s": statistics.median(r["primary_s"] for r in rounds),
        "everywhere_s": statistics.median(r["everywhere_s"] for r in rounds),
        "rounds": [(r["primary_s"], r["everywhere_s"]) for r in rounds],
        "lag": lag, "extra": mid["extra"],
        "p99_ms": ms(during, 99), "idle_p99_ms": ms(idle, 99),
        "renew_p99_ms": ms(during, 99, "renew") if galera else None,
        "idle_renew_p99_ms": ms(idle, 99, "renew") if galera else None,
        "probes": len(during), "idle_probes": len(idle), "probe_errors": errors,
    }


def lag_text(topo, lag):
    if topo == "pg":
        return "%.2f s replay lag, %.1f MB WAL" % (lag.get("lag_s", 0), lag.get("behind_mb", 0))
    if topo == "mariadb":
        return "%d trx GTID, %d s SBM" % (lag.get("gtid_behind", 0), lag.get("sbm_s", 0))
    return "recv queue %d, FC paused %.2f s" % (lag.get("recv_queue", 0), lag.get("fc_paused_s", 0))


cleanup = []


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", choices=["pg", "mariadb", "galera"])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=1, help="rounds per method (median times, pooled probe samples)")
    ap.add_argument("--sessctl", default=os.path.join(HERE, "..", "target", "release", "sessctl"))
    ap.add_argument("--keep", action="store_true", help="leave bench/work/topology/ in place afterwards")
    ap.add_argument("--json", help="also write all figures to this file")
    args = ap.parse_args()
    if not os.access(args.sessctl, os.X_OK):
        sys.exit("no sessctl at %s (cargo build --release)" % args.sessctl)
    for tool in ("psql", "mariadb", "mariadbd", "mariadb-install-db"):
        if not shutil.which(tool):
            sys.exit("%s is not installed" % tool)

    def on_signal(signum, frame):
        raise SystemExit("stopped by signal %d" % signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    value = session_value()
    results = []
    topologies = [args.only] if args.only else ["pg", "mariadb", "galera"]
    try:
        for topo in topologies:
            work = os.path.join(WORK, topo + "-%d" % os.getpid())
            os.makedirs(work)
            os.chmod(work, 0o755)
            primary, others = {"pg": pg_topology, "mariadb": mariadb_topology, "galera": galera_topology}[topo](work)
            fill_source(primary, others, args.rows, value)
            # --replica needs --max-lag: only that method names the MariaDB replica.
            replicas = others if topo == "mariadb" else []
            methods = [
                ("raw DELETE", lambda p=primary: raw_delete(p)),
                ("sessctl defaults", lambda p=primary: sessctl(args.sessctl, p, [], [])),
                ("--max-lag 1s", lambda p=primary, r=replicas: sessctl(args.sessctl, p, r, ["--max-lag", "1s"])),
                ("--batch-time 50ms --nice 1",
                 lambda p=primary: sessctl(args.sessctl, p, [], ["--batch-time", "50ms", "--nice", "1"])),
            ]
            for name, fn in methods:
                log("%s: %s ..." % (topo, name))
                results.append(measure(topo, primary, others, args.rows, name, fn, args.repeat))
            while cleanup:
                cleanup.pop()()
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
    except KeyboardInterrupt:
        raise SystemExit("interrupted")
    finally:
        while cleanup:
            try:
                cleanup.pop()()
            except Exception as e:  # keep stopping the others
                log("cleanup: %s" % e)
        if results:
            report(results, args)



def report(results, args):
    """The markdown table of what was measured (also after an error: what was done so far)."""
    print("%d sessions (half expired), %d round(s) per method, median" % (args.rows, args.repeat))
    print()
    print("| topology | method | primary (s) | × raw | done everywhere (s) | × raw | max lag seen | probe p99 (ms) | idle p99 (ms) | × idle | renew p99 (ms) | probes |")
    print("|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for r in results:
        raw = next(x for x in results if x["topology"] == r["topology"] and x["method"] == "raw DELETE")
        print("| %s | %s | %.2f | %.2f | %.2f | %.2f | %s | %.1f | %.1f | %.1f | %s | %d |" % (
            r["topology"], r["method"], r["primary_s"], r["primary_s"] / raw["primary_s"],
            r["everywhere_s"], r["everywhere_s"] / raw["everywhere_s"], lag_text(r["topology"], r["lag"]),
            r["p99_ms"], r["idle_p99_ms"], r["p99_ms"] / r["idle_p99_ms"],
            "%.1f" % r["renew_p99_ms"] if r["renew_p99_ms"] is not None else "-", r["probes"]))
    for r in results:
        e = r["extra"]
        if isinstance(e, dict):
            print("%s %s: %s batches, largest batch %s s, lag waits %s; probe errors %d" % (
                r["topology"], r["method"], e.get("batches"), e.get("_batch_seconds_max"),
                e.get("lag_wait_seconds", e.get("waited_seconds")), r["probe_errors"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=str)


if __name__ == "__main__":
    main()

"""Where a set's database lives: SQLite in the set (default), or a PostgreSQL or
MySQL/MariaDB server named by URL (what `oracle --servers` uses).

Also the two things Django's ORM does not give: the stored text of a datetime column
exactly as the server holds it (for `expire_date_raw`), and dropping and recreating a
server database (the oracle's scratch databases), done through the same drivers Django
uses, so no database client program is needed.
"""

import os
from urllib.parse import unquote, urlparse


def _parts(url):
    u = urlparse(url)
    return u, {"NAME": u.path.lstrip("/"), "USER": unquote(u.username or ""),
               "PASSWORD": unquote(u.password or ""), "HOST": u.hostname or "127.0.0.1",
               "PORT": str(u.port or "")}


def vendor_of(url):
    scheme = urlparse(url).scheme
    if scheme in ("postgres", "postgresql"):
        return "postgresql"
    if scheme in ("mysql", "mariadb"):
        return "mysql"
    raise SystemExit("unsupported database URL %r (postgres://… or mysql://…)" % url)


def django_database(url, set_dir):
    """(DATABASES['default'], location for the manifest)."""
    if not url:
        return ({"ENGINE": "django.db.backends.sqlite3",
                 "NAME": os.path.join(set_dir, "sessions.sqlite3")}, "sessions.sqlite3")
    u, conf = _parts(url)
    shown = "%s://%s@%s:%s/%s" % (u.scheme, conf["USER"], conf["HOST"], conf["PORT"], conf["NAME"])
    if vendor_of(url) == "postgresql":
        return dict(conf, ENGINE="django.db.backends.postgresql"), shown
    _mysql_driver()
    return dict(conf, ENGINE="django.db.backends.mysql"), shown


def _mysql_driver():
    """mysqlclient if installed, else PyMySQL standing in for it."""
    try:
        import MySQLdb  # noqa: F401
    except ImportError:
        import pymysql
        pymysql.version_info = (2, 2, 7, "final", 0)  # Django checks mysqlclient's version
        pymysql.install_as_MySQLdb()


# The column as text, the way the server prints it (no driver conversion).
_RAW_SELECT = {
    "sqlite": "SELECT expire_date, session_data FROM {t} WHERE session_key = %s",
    "postgresql": "SELECT expire_date::text, session_data FROM {t} WHERE session_key = %s",
    "mysql": "SELECT CAST(expire_date AS CHAR), session_data FROM {t} WHERE session_key = %s",
}


def stored_row(connection, table, key):
    """(expire_date as stored text, session_data) of one row."""
    sql = _RAW_SELECT[connection.vendor].format(t=connection.ops.quote_name(table))
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        expire, data = cursor.fetchone()
    return str(expire), data


def recreate(base_url, name):
    """Drop database `name` if it exists and create it empty, connecting with base_url's
    credentials; returns base_url pointing at `name`."""
    u, conf = _parts(base_url)
    if vendor_of(base_url) == "postgresql":
        import psycopg
        with psycopg.connect(host=conf["HOST"], port=conf["PORT"] or 5432, user=conf["USER"],
                             password=conf["PASSWORD"] or None, dbname=conf["NAME"] or "postgres",
                             autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
            conn.execute('CREATE DATABASE "%s"' % name)
    else:
        import pymysql
        conn = pymysql.connect(host=conf["HOST"], port=int(conf["PORT"] or 3306),
                               user=conf["USER"], password=conf["PASSWORD"])
        try:
            with conn.cursor() as cursor:
                cursor.execute("DROP DATABASE IF EXISTS `%s`" % name)
                cursor.execute("CREATE DATABASE `%s` CHARACTER SET utf8mb4" % name)
        finally:
            conn.close()
    return u._replace(path="/" + name).geturl()


def drop(url):
    """Drop the database a URL names (connecting to the server's default database)."""
    u, conf = _parts(url)
    if vendor_of(url) == "postgresql":
        import psycopg
        with psycopg.connect(host=conf["HOST"], port=conf["PORT"] or 5432, user=conf["USER"],
                             password=conf["PASSWORD"] or None, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % conf["NAME"])
    else:
        import pymysql
        conn = pymysql.connect(host=conf["HOST"], port=int(conf["PORT"] or 3306),
                               user=conf["USER"], password=conf["PASSWORD"])
        try:
            with conn.cursor() as cursor:
                cursor.execute("DROP DATABASE IF EXISTS `%s`" % conf["NAME"])
        finally:
            conn.close()

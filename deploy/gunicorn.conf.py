"""gunicorn settings for the civicapps web tier: ``gunicorn -c /etc/civicapps/gunicorn.conf.py``.

Read by gunicorn at start (it is plain Python). Every value can be overridden on the command line
(``--bind 127.0.0.1:8001``, ``--workers 8``); the worker count also by ``WEB_CONCURRENCY``. Names
starting ``CIVICAPPS_`` are not for gunicorn: civicapps reads every such variable as one of its settings.
"""

import os

# The app factory; each worker process builds its own app, database engine and connection pool.
# No preload_app: an engine created before the fork would share its connections between workers.
wsgi_app = "civicapps:create_app()"

# Listen on loopback only: nginx (deploy/nginx.conf) is the one thing that talks to gunicorn.
bind = "127.0.0.1:8000"

# Sync workers: behind nginx, which buffers slow clients and uploads, each request is CPU and
# database work. Two to four per core; the figures in bench/README.md ("Load") are for 4 per process.
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "sync"

# A request slower than this is killed and its worker replaced (it answers 502 through nginx). The
# slowest legitimate request is a report with 3 large photos to re-encode: a few seconds.
timeout = 60
# On SIGTERM (systemctl stop/restart) workers finish the request in hand within this.
graceful_timeout = 30
# Connections nginx keeps open to us between requests.
keepalive = 5

# Replace each worker after about 2,000 requests (jittered so they do not all restart together):
# bounds memory that grows with time (caches, fragmentation) without anyone noticing.
max_requests = 2000
max_requests_jitter = 200

# The worker heartbeat files live in memory: a slow or full disk must not make gunicorn think its
# workers are dead.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Request line and headers: gunicorn's limits, stated so a reader knows they are there. Bodies are
# capped by the app (20 MB, Flask MAX_CONTENT_LENGTH) and, before that, by nginx (client_max_body_size).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# The client address and scheme come from X-Forwarded-For/-Proto, which the app believes only from the
# proxies named in its trusted_proxies setting (docs/configuration.md). gunicorn must not rewrite
# them too: believe no forwarded headers here.
forwarded_allow_ips = ""

# Errors to stderr, where systemd's journal keeps them. No access log here: nginx keeps one, with the
# link tokens in confirmation and unsubscribe paths masked (deploy/nginx.conf).
accesslog = None
errorlog = "-"
loglevel = "info"
proc_name = "civicapps-web"

# systemd starts, stops and reloads gunicorn (SIGHUP); no control socket (gunicorn 25.1+ opens one in
# the home folder by default, which two gunicorns on one machine would fight over). Older gunicorns
# ignore this name.
control_socket_disable = True

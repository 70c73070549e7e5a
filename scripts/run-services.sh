#!/usr/bin/env bash
# The production topology on local services: migrate, then web (ASGI), a Celery worker and
# Celery beat side by side; Ctrl-C stops all three. DATABASE_URL and REDIS_URL must be set.
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/hub}"
: "${REDIS_URL:?set REDIS_URL, e.g. redis://127.0.0.1:6379/0}"
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

$PY manage.py migrate --noinput
$PY manage.py seed_demo

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' INT TERM EXIT
.venv/bin/uvicorn hub.asgi:application --host "$HOST" --port "$PORT" --workers 2 --ws-per-message-deflate false & pids+=($!)
.venv/bin/celery -A hub worker --loglevel=INFO --concurrency=2 & pids+=($!)
.venv/bin/celery -A hub beat --loglevel=INFO --schedule var/celerybeat-schedule & pids+=($!)
echo "Service hub at http://$HOST:$PORT/ (web, worker, beat running; Ctrl-C stops them)"
wait -n

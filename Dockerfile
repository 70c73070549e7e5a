# One image for web, worker, beat and smtp-inbound; the command picks the role.

# The agent UI (esbuild, into frontend/static/frontend/dist/) and the chat widget (Vite, into
# channels_chat/static/chatwidget/), built as `make assets` builds them. Both outputs are
# git-ignored and kept out of the build context (.dockerignore): the image has only what this
# stage made, so a clean clone builds the same image as a working copy.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
# The lock files first: the dependencies are a layer of their own, rebuilt only when they change.
COPY frontend/package.json frontend/package-lock.json frontend/
COPY frontend/widget/package.json frontend/widget/package-lock.json frontend/widget/
RUN cd frontend && npm ci --no-audit --no-fund
RUN cd frontend/widget && npm ci --no-audit --no-fund
COPY frontend/ frontend/
RUN cd frontend && npm run build
RUN cd frontend/widget && npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# Chat frames are a few hundred bytes: per-message deflate of each cost 8 % of the web process's
# event loop under the chat benchmark and saved next to nothing. uvicorn reads UVICORN_* options.
ENV UVICORN_WS_PER_MESSAGE_DEFLATE=false
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 hub
WORKDIR /app
COPY pyproject.toml ./
COPY hub/ hub/
COPY channels_email/ channels_email/
COPY channels_chat/ channels_chat/
COPY channels_phone/ channels_phone/
COPY channels_web/ channels_web/
COPY demo/ demo/
COPY frontend/ frontend/
COPY --from=assets /src/frontend/static/frontend/dist/ frontend/static/frontend/dist/
COPY --from=assets /src/channels_chat/static/chatwidget/ channels_chat/static/chatwidget/
COPY locale/ locale/
COPY manage.py ./
RUN pip install . && mkdir -p /app/var /data/media && chown -R hub /app/var /data
USER hub
# collectstatic needs settings but no database or secret of the deployment.
RUN SECRET_KEY=build-only-collectstatic-never-serves-0123456789abcdef python manage.py collectstatic --noinput
EXPOSE 8000 2525
CMD ["uvicorn", "hub.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]

"""The build context holds the source and nothing else: no virtualenv, no node_modules, no local
state, no secrets, no history, no builds the image makes itself."""

from __future__ import annotations

import pytest

from tests.deploy.docker import ROOT, ignored, read_dockerignore, stages, working_copy_context


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        # Docker's documented examples (docs.docker.com, "Dockerignore files").
        ("*/temp*", "somedir/temporary.txt", True),
        ("*/temp*", "somedir/temp", True),
        ("*/temp*", "temp.txt", False),
        ("*/*/temp*", "somedir/subdir/temporary.txt", True),
        ("temp?", "tempa", True),
        ("temp?", "tempab", False),
        ("**/*.go", "a/b/c.go", True),
        ("**/*.go", "c.go", True),
        # Patterns name paths from the context's root; a directory takes its contents along.
        ("var/", "var/log/hub.log", True),
        ("var/", "hub/var/x", False),
        ("/secrets", "secrets/secret_key", True),
        ("**/node_modules", "frontend/widget/node_modules/vite/package.json", True),
        ("**/node_modules", "node_modules/x", True),
        ("**/node_modules", "frontend/node_modules_notes.txt", False),
    ],
)
def test_the_matcher_follows_dockers_rules(tmp_path, pattern: str, path: str, expected: bool) -> None:
    (tmp_path / ".dockerignore").write_text(f"# a comment\n\n{pattern}\n")

    assert ignored(path, read_dockerignore(tmp_path / ".dockerignore")) is expected


def test_a_later_exception_puts_a_path_back(tmp_path) -> None:
    (tmp_path / ".dockerignore").write_text("*.md\n!README.md\n")
    patterns = read_dockerignore(tmp_path / ".dockerignore")

    assert ignored("NOTES.md", patterns) and not ignored("README.md", patterns)


KEPT_OUT = [
    ".venv/bin/python",
    ".venv/lib/python3.11/site-packages/django/__init__.py",
    "frontend/node_modules/esbuild/package.json",
    "frontend/widget/node_modules/vite/package.json",
    "var/admin-password.txt",
    "var/hub.sqlite3",
    "secrets/secret_key",
    "secrets/smtp_tls_key.pem",
    ".git/HEAD",
    ".git/objects/ab/cdef",
    "hub/__pycache__/settings.cpython-311.pyc",
    "channels_email/tests/__pycache__/conftest.cpython-311-pytest-8.pyc",
    ".pytest_cache/v/cache/lastfailed",
    ".mypy_cache/3.11/hub/settings.data.json",
    ".ruff_cache/CACHEDIR.TAG",
    "servicehub.egg-info/PKG-INFO",
    # Built by the image's assets stage; a working copy's (maybe stale) build must not win.
    "frontend/static/frontend/dist/app.js",
    "channels_chat/static/chatwidget/widget.js",
    "channels_chat/static/chatwidget/widget-app.js",
]


@pytest.mark.parametrize("path", KEPT_OUT)
def test_local_state_secrets_and_builds_stay_out_of_the_context(path: str) -> None:
    assert ignored(path, read_dockerignore(ROOT / ".dockerignore"))


def test_every_file_the_dockerfile_copies_from_the_context_is_sent() -> None:
    patterns = read_dockerignore(ROOT / ".dockerignore")
    copied = [
        source.rstrip("/")
        for stage in stages(ROOT / "Dockerfile")
        for step in stage.steps
        if step.keyword == "COPY" and "from" not in step.flags
        for source in step.words[:-1]
    ]

    assert "frontend/widget/package-lock.json" in copied and "manage.py" in copied
    assert [source for source in copied if ignored(source, patterns)] == []
    for source in ("hub/settings.py", "frontend/widget/src/widget.ts", "frontend/static/frontend/app.css",
                   "locale/de/LC_MESSAGES/django.po", "channels_chat/static/.gitignore"):  # fmt: skip
        assert not ignored(source, patterns), source


def test_this_working_copy_sends_no_virtualenv_node_modules_state_secrets_or_history() -> None:
    sent = working_copy_context()

    assert "manage.py" in sent and "frontend/widget/package.json" in sent
    unwanted = (
        ".venv/",
        ".git/",
        "var/",
        "secrets/",
        "frontend/static/frontend/dist/",
        "channels_chat/static/chatwidget/",
    )
    assert sorted(name for name in sent if name.startswith(unwanted)) == []
    assert sorted(name for name in sent if "/node_modules/" in f"/{name}" or "/__pycache__/" in f"/{name}") == []

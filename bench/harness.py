"""What a benchmark module gets: logged-in clients, timing with query counts, URL discovery.

Requests go through Django's test ``Client`` in-process, so a sample is the server's time for
the whole request (middleware, view, queries, template) without network or browser.
"""

from __future__ import annotations

import html
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urljoin

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from hub.models import Agent

NOT_AVAILABLE = "not available"
# The test client's response (an Response with .json() and friends).
Response = Any


@dataclass
class Result:
    bench: str
    case: str
    role: str = ""
    status: str = "ok"  # ok, not available, error
    samples: int = 0
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None  # median SQL queries per request
    queries_max: int | None = None
    sql_ms: float | None = None  # median time spent in SQL per request, part of median_ms
    # Median CPU time of this process per request (view, templates, ORM; not the database's):
    # unlike median_ms it hardly moves when other processes share the machine.
    cpu_ms: float | None = None
    target_ms: float | None = None  # the p95 this case must stay under at the largest size
    value: float | None = None  # for benchmarks that measure something else than a request
    unit: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Unavailable(Exception):
    """The URL under test does not exist (yet): reported, not fatal."""


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


@dataclass
class Context:
    size: int
    repeat: int
    agents: dict[str, Agent]  # role name ("agent", "admin") -> the agent requests are made as
    # Tickets worth opening, by name: "recent", "old" (a year back), "long" (hundreds of messages).
    tickets: dict[str, int] = field(default_factory=dict)
    message_counts: dict[str, int] = field(default_factory=dict)
    deep_pages: int = 50
    bench: str = ""
    results: list[Result] = field(default_factory=list)
    _clients: dict[str, Client] = field(default_factory=dict)

    def client(self, role: str) -> Client:
        if role not in self._clients:
            client = Client()
            client.force_login(self.agents[role].user)
            self._clients[role] = client
        return self._clients[role]

    # -- discovery ---------------------------------------------------------------------------

    @staticmethod
    def routed(url: str) -> bool:
        """Whether some view answers this path (a 404 from a view is another matter)."""
        try:
            resolve(url.split("?", 1)[0])
        except Resolver404:
            return False
        return True

    def get(self, role: str, url: str, **headers: Any) -> Response:
        """One GET that must succeed; Unavailable if nothing is routed there, else an error."""
        if not self.routed(url):
            raise Unavailable(f"{url} is not routed")
        response = self.client(role).get(url, **headers)
        if response.status_code == 404 and not self.routed(url):
            raise Unavailable(f"{url} is not routed")
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} as {role} answered {response.status_code}")
        return response

    def landing(self, role: str, url: str) -> str:
        """Where ``url`` ends up after redirects (a permalink sends people to a view's URL)."""
        if not self.routed(url):
            raise Unavailable(f"{url} is not routed")
        for _ in range(5):
            response = self.client(role).get(url)
            if response.status_code not in (301, 302, 303, 307, 308):
                return url
            url = urljoin(url, response["Location"])
        raise RuntimeError(f"{url} redirects too often")

    def follow(
        self, role: str, url: str, pages: int, next_url: Callable[[Response, str], str | None]
    ) -> tuple[str, int]:
        """The URL up to ``pages`` pages after ``url`` and its page number, following next links.

        Stops early at the last page, so a small list still gives its deepest page.
        """
        current, number = url, 1
        while number <= pages:
            found = next_url(self.get(role, current), current)
            if not found:
                break
            current, number = found, number + 1
        return current, number

    # -- measuring ---------------------------------------------------------------------------

    def measure(
        self, case: str, role: str, url: str, *, target_ms: float | None = None, note: str = "", **headers: Any
    ) -> Result:
        """GET ``url`` as ``role`` ``repeat`` times after two warm-ups; record time and queries."""
        result = Result(self.bench, case, role, target_ms=target_ms, note=note)
        try:
            for _ in range(2):
                self.get(role, url, **headers)
            times: list[float] = []
            queries: list[int] = []
            sql: list[float] = []
            cpu: list[float] = []
            client = self.client(role)
            for _ in range(self.repeat):
                with CaptureQueriesContext(connection) as captured:
                    started, started_cpu = time.perf_counter(), time.process_time()
                    response = client.get(url, **headers)
                    elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
                if response.status_code != 200:
                    raise RuntimeError(f"GET {url} as {role} answered {response.status_code}")
                times.append(elapsed * 1000)
                cpu.append(elapsed_cpu * 1000)
                queries.append(len(captured.captured_queries))
                sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        except Unavailable as exc:
            result.status, result.note = NOT_AVAILABLE, str(exc)
        except Exception as exc:  # noqa: BLE001 - one failing case must not hide the others
            result.status, result.note = "error", f"{type(exc).__name__}: {exc}"[:300]
        else:
            result.samples = len(times)
            result.median_ms = round(statistics.median(times), 2)
            result.p95_ms = round(p95(times), 2)
            result.queries = int(statistics.median(queries))
            result.queries_max = max(queries)
            result.sql_ms = round(statistics.median(sql), 2)
            result.cpu_ms = round(statistics.median(cpu), 2)
        self.results.append(result)
        return result

    def unavailable(self, case: str, role: str, note: str, *, status: str = NOT_AVAILABLE) -> Result:
        result = Result(self.bench, case, role, status=status, note=note[:300])
        self.results.append(result)
        return result

    def record_value(self, case: str, value: float, unit: str, *, note: str = "") -> Result:
        """For benchmarks that are not one request (throughput, ingest rate)."""
        result = Result(self.bench, case, samples=1, value=value, unit=unit, note=note)
        self.results.append(result)
        return result


# -- link helpers --------------------------------------------------------------------------------

# The parameter after "?", "&" or an escaped "&amp;": a filtered list's links carry more than one.
_LINK = re.compile(r"""(?:href|hx-get|data-url)\s*=\s*["']([^"']*(?:[?&]|&amp;){param}=[^"']+)["']""")


def html_link(param: str) -> Callable[[Response, str], str | None]:
    """Finds the last link in a page that carries ``param`` (e.g. the inbox's ``before`` cursor)."""
    pattern = re.compile(_LINK.pattern.format(param=re.escape(param)))

    def find(response: Response, current: str) -> str | None:
        links = pattern.findall(response.content.decode(response.charset or "utf-8", "replace"))
        return urljoin(current, html.unescape(links[-1])) if links else None

    return find


def json_next(response: Response, current: str) -> str | None:
    """DRF's ``next`` link, made relative to this server."""
    link = response.json().get("next")
    if not link:
        return None
    return "/" + link.split("://", 1)[-1].split("/", 1)[-1] if "://" in link else link

"""Whether a mail's sender passed the check of its domain (DMARC), as a server we trust wrote it.

Anyone can write any From address. The receiving mail server (Google's, Microsoft's, the
company's own Postfix with OpenDMARC) checks the sending domain's SPF, DKIM and DMARC and writes
what it found into an ``Authentication-Results`` header (RFC 8601), named by its own server name
(the *authserv-id*). A sender can write such headers too, so only a header naming a server the
mailbox's admin listed counts, and of those only the topmost: the receiving server adds its own
above whatever the mail brought along.

Only DMARC decides: it is the check of the From domain itself. SPF alone fails on every
forwarded mail, and DKIM alone can pass for another domain than the one in From.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

PASS, FAIL = "pass", "fail"
# The mail's identity is not its From (a no-reply From's Reply-To, a Sender without From): what a
# server checked says nothing about it.
UNCHECKED = "unchecked"

_FOLD = re.compile(r"\r?\n[ \t]+")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")


@dataclass(frozen=True)
class SenderCheck:
    """``result``: PASS, FAIL, UNCHECKED or "" (no trusted server said anything about DMARC).
    ``checked_from``: for UNCHECKED, the From address the mail came from."""

    result: str = ""
    domain: str = ""
    server: str = ""
    checked_from: str = ""

    @property
    def kept_apart(self) -> bool:
        """Whether the mail must not join the customer its identity names."""
        return self.result in (FAIL, UNCHECKED)

    def as_metadata(self) -> dict[str, str] | None:
        if not self.result:
            return None
        found = {"result": self.result, "domain": self.domain, "server": self.server}
        return found | ({"from": self.checked_from} if self.checked_from else {})


def is_server_name(value: str) -> bool:
    return bool(_HOSTNAME.match(value))


def server_names(value: str) -> list[str]:
    """The server names of a comma- or space-separated list, lower-cased, each once."""
    names: list[str] = []
    for name in re.split(r"[,;\s]+", value.strip().lower()):
        if name and name not in names:
            names.append(name)
    return names


def _without_comments(value: str) -> str:
    """``value`` with its (possibly nested) comments removed; quoted strings are kept whole."""
    out: list[str] = []
    depth, quoted, escaped = 0, False, False
    for char in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
        elif quoted:
            quoted = char != '"'
            out.append(char)
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif depth == 0:
            quoted = char == '"'
            out.append(char)
    return "".join(out)


def _parsed(header: str) -> tuple[str, list[tuple[str, str, dict[str, str]]]]:
    """The header's server name ("" when it names none) and its results as (method, result, props)."""
    parts = [p.strip() for p in _without_comments(_FOLD.sub(" ", header)).split(";")]
    head = parts[0].split()
    # Exchange Online writes no server name: its header starts with a result ("spf=pass …").
    server = head[0].lower() if head and "=" not in head[0] else ""
    results = []
    for part in parts[1:] if server else parts:
        words = part.split()
        if not words or "=" not in words[0]:
            continue
        method, _, result = words[0].partition("=")
        props: dict[str, str] = {}
        for word in words[1:]:
            key, eq, value = word.partition("=")
            if eq:
                props[key.lower()] = value.strip('"').lower()
        results.append((method.lower(), result.lower(), props))
    return server, results


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().lower().rstrip(".")


def check_identity(
    headers: Sequence[str], trusted: Collection[str], *, identity: str, from_address: str
) -> SenderCheck:
    """What a trusted server's check says of the address the mail is taken to come from
    (``identity``): the From's verdict when it is of the From's domain; UNCHECKED when it is
    another's, which nothing checked (a no-reply From whose Reply-To names the customer)."""
    if not trusted:
        return SenderCheck()
    verdict = check(headers, trusted, from_address or identity)
    if verdict.result != FAIL and from_address and _domain(identity) != _domain(from_address):
        return SenderCheck(UNCHECKED, _domain(identity), verdict.server, checked_from=from_address)
    return verdict


def check(headers: Sequence[str], trusted: Collection[str], sender: str) -> SenderCheck:
    """What the topmost ``Authentication-Results`` of a ``trusted`` server says of DMARC for
    ``sender``'s domain. ``headers`` in the mail's order, topmost first."""
    if not trusted:
        return SenderCheck()
    domain = _domain(sender)
    for header in headers:
        server, results = _parsed(header)
        if server not in trusted:
            continue
        verdicts = [(result, props.get("header.from", "")) for method, result, props in results if method == "dmarc"]
        if any(result == FAIL for result, _ in verdicts):
            checked = next((d for result, d in verdicts if result == FAIL and d), domain)
            return SenderCheck(FAIL, checked, server)
        # A pass counts for the domain it names, which must be the sender's.
        if any(result == PASS and checked in ("", domain) for result, checked in verdicts):
            return SenderCheck(PASS, domain, server)
        return SenderCheck()
    return SenderCheck()

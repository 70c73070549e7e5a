"""The demo's teams, agents, organisations and customers, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TeamSpec:
    slug: str
    name: str


@dataclass(frozen=True)
class AgentSpec:
    username: str
    first_name: str
    last_name: str
    role: str
    language: str
    teams: tuple[str, ...]
    capacity: dict[str, int] = field(default_factory=dict)
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    domains: tuple[str, ...]
    tier: str
    key_account: bool = False
    manager: str = ""


@dataclass(frozen=True)
class CustomerSpec:
    key: str
    name: str
    language: str
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    chats: tuple[str, ...] = ()
    org: str = ""
    segment: str = ""
    vip: bool = False
    timezone: str = "Europe/Berlin"


TEAMS = (
    TeamSpec("support", "Support"),
    TeamSpec("vertrieb", "Vertrieb"),
    TeamSpec("technik", "Technik"),
)

ADMIN_USERNAME = "admin"

AGENTS = (
    AgentSpec("admin", "Andrea", "Admin", "admin", "de", ("support", "vertrieb", "technik")),
    AgentSpec("jana.berger", "Jana", "Berger", "lead", "de", ("support", "vertrieb"), {"chat": 3}, ("billing",)),
    AgentSpec("max.mueller", "Max", "Müller", "agent", "de", ("support",), {"chat": 4}, ("returns",)),
    AgentSpec("sophie.wagner", "Sophie", "Wagner", "agent", "de", ("vertrieb", "support"), {"chat": 2}),
    AgentSpec("tom.fischer", "Tom", "Fischer", "agent", "de", ("technik",), {"chat": 2}, ("api", "network")),
    AgentSpec("emily.clarke", "Emily", "Clarke", "agent", "en", ("support", "technik"), {"chat": 3}, ("english",)),
    AgentSpec("david.smith", "David", "Smith", "agent", "en", ("vertrieb",), {}, ("english", "enterprise")),
)

# Which team a channel's new tickets land in until routing rules say otherwise.
CHANNEL_TEAMS = {"email": "support", "chat": "support", "web": "vertrieb", "phone": "technik", "sms": "support"}

ORGANIZATIONS = (
    OrgSpec("mueller", "Müller Maschinenbau GmbH", ("mueller-maschinenbau.de",), "enterprise", True, "jana.berger"),
    OrgSpec("brightside", "Brightside Ltd", ("brightside.co.uk",), "business", False, "david.smith"),
    OrgSpec("baeckerei", "Bäckerei Schröder KG", ("baeckerei-schroeder.de",), "small"),
)

CUSTOMERS = (
    CustomerSpec(
        "klaus",
        "Klaus Müller",
        "de",
        ("k.mueller@mueller-maschinenbau.de",),
        ("+49 711 1234567",),
        org="mueller",
        segment="enterprise",
    ),
    CustomerSpec(
        "petra", "Petra Lange", "de", ("p.lange@mueller-maschinenbau.de",), org="mueller", segment="enterprise"
    ),
    CustomerSpec("anna", "Anna Schmidt", "de", ("anna.schmidt@example.de",), ("0151 12345678",), segment="consumer"),
    CustomerSpec("juergen", "Jürgen Weiß", "de", ("j.weiss@beispiel.de",), segment="consumer"),
    CustomerSpec(
        "fatma", "Fatma Yılmaz", "de", ("fatma.yilmaz@example.de",), chats=("visitor-7f3a9c21",), segment="consumer"
    ),
    CustomerSpec(
        "gerda", "Gerda Schröder", "de", ("info@baeckerei-schroeder.de",), ("+49 40 3861234",), org="baeckerei"
    ),
    CustomerSpec("peter", "Peter Braun", "de", phones=("+49 30 901820",), segment="consumer"),
    CustomerSpec("lukas", "Lukas Hoffmann", "de", phones=("+49 160 5556677",), segment="consumer"),
    CustomerSpec("besucher", "", "de", chats=("visitor-0c11d4e8",)),
    CustomerSpec(
        "sarah",
        "Sarah Johnson",
        "en",
        ("sarah.johnson@brightside.co.uk",),
        ("+44 20 7946 0958",),
        org="brightside",
        segment="business",
        timezone="Europe/London",
    ),
    CustomerSpec(
        "james", "James O'Connor", "en", ("james.oconnor@example.com",), segment="consumer", timezone="Europe/Dublin"
    ),
    CustomerSpec(
        "emily",
        "Emily Chen",
        "en",
        ("emily.chen@example.org",),
        chats=("visitor-9be02d77",),
        segment="consumer",
        vip=True,
        timezone="America/New_York",
    ),
)

TAGS = ("rechnung", "lieferung", "retoure", "login", "api", "angebot", "beschwerde", "vip", "billing", "shipping")

from __future__ import annotations

import hashlib
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from hub.models import (
    Agent,
    Attachment,
    Customer,
    Direction,
    Identity,
    IdentityKind,
    Message,
    Organization,
    Role,
    Team,
    Ticket,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"agent{n}")
    first_name = factory.Faker("first_name", locale="de_DE")
    last_name = factory.Faker("last_name", locale="de_DE")
    email = factory.LazyAttribute(lambda u: f"{u.username}@hub.example")
    password = factory.django.Password("correct horse battery")


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class AgentFactory(factory.django.DjangoModelFactory[Agent]):
    class Meta:
        model = Agent
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    role = Role.AGENT
    # Offline as chosen: a test's sign-in (force_login) leaves it so; tests of presence set it.
    presence_auto = False

    @factory.post_generation
    def teams(self, create: bool, extracted: list[Team] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.teams.set(extracted)


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Faker("company", locale="de_DE")


class CustomerFactory(factory.django.DjangoModelFactory[Customer]):
    class Meta:
        model = Customer

    display_name = factory.Faker("name", locale="de_DE")
    language = "de"


class IdentityFactory(factory.django.DjangoModelFactory[Identity]):
    class Meta:
        model = Identity

    customer = factory.SubFactory(CustomerFactory)
    kind = IdentityKind.EMAIL
    value = factory.Sequence(lambda n: f"kunde{n}@example.de")


class TicketFactory(factory.django.DjangoModelFactory[Ticket]):
    class Meta:
        model = Ticket

    subject = factory.Faker("sentence", nb_words=5, locale="de_DE")
    customer = factory.SubFactory(CustomerFactory)
    origin_channel = "email"
    last_activity_at = factory.LazyFunction(timezone.now)


class MessageFactory(factory.django.DjangoModelFactory[Message]):
    class Meta:
        model = Message

    ticket = factory.SubFactory(TicketFactory)
    channel = factory.LazyAttribute(lambda m: m.ticket.origin_channel)
    direction = Direction.INBOUND
    author_customer = factory.LazyAttribute(lambda m: m.ticket.customer if m.direction == Direction.INBOUND else None)
    text = factory.Faker("paragraph", locale="de_DE")


_ATTACHMENT_BYTES = b"\x89PNG\r\n\x1a\n test bytes"


class AttachmentFactory(factory.django.DjangoModelFactory[Attachment]):
    class Meta:
        model = Attachment

    message = factory.SubFactory(MessageFactory)
    filename = "datei.png"
    content_type = "image/png"
    size = len(_ATTACHMENT_BYTES)
    sha256 = hashlib.sha256(_ATTACHMENT_BYTES).hexdigest()
    file = factory.django.FileField(data=_ATTACHMENT_BYTES, filename="datei.png")

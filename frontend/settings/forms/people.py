"""Forms of the Agents, Teams and Skills sections."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import global_settings, settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from frontend.regions import channel_label
from hub.adapters import registered
from hub.models import Agent, Role, Skill, Team

ROLE_HELP = _(
    "Admin: everything, including these settings. Lead: all tickets, and the skills, languages and "
    "capacity of their teams' agents. Agent: the tickets of their teams. Viewer: reads the tickets and "
    "customers of their teams and changes nothing (for other departments)."
)


def spoken_languages() -> list[tuple[str, str]]:
    """Languages an agent can answer in, named in the interface language (Django translates them)."""
    codes = {code for code, _name in global_settings.LANGUAGES if "-" not in code}
    return sorted(((c, gettext(dict(global_settings.LANGUAGES)[c])) for c in codes), key=lambda c: c[1])


def _default_capacity(channel: str) -> int | None:
    value = getattr(settings, f"{channel.upper()}_DEFAULT_CAPACITY", None)
    return int(value) if value is not None else None


class TeamChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Team) -> str:
        return obj.name


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), help_text=_("The invitation goes here; it is also the login name."))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.AGENT, help_text=ROLE_HELP)
    teams = TeamChoices(label=_("Teams"), queryset=Team.objects.all(), required=False)
    language = forms.ChoiceField(
        label=_("Interface language"), choices=[("", _("The browser's language")), *settings.LANGUAGES], required=False
    )

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip().lower()
        User = get_user_model()
        if User.objects.filter(username__iexact=email).exists() or User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("There is already a login with this email address."))
        return email


class AgentForm(forms.Form):
    """An agent's profile. Leads get only the work fields (skills, languages, capacity)."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, help_text=ROLE_HELP)
    teams = TeamChoices(label=_("Teams"), queryset=Team.objects.all(), required=False)
    language = forms.ChoiceField(
        label=_("Interface language"), choices=[("", _("The browser's language")), *settings.LANGUAGES], required=False
    )
    skills = forms.MultipleChoiceField(
        label=_("Skills"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Routing rules can ask for these. The list is kept under Settings → Skills."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Languages this agent answers customers in."),
    )

    ADMIN_ONLY = ("first_name", "last_name", "email", "role", "teams", "language")

    def __init__(self, *args: Any, agent: Agent, lead_only: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agent = agent
        skills: forms.MultipleChoiceField = self.fields["skills"]  # type: ignore[assignment]
        names = list(Skill.objects.values_list("name", flat=True))
        # A skill removed from the list but still on the profile stays visible until unticked.
        skills.choices = [(n, n) for n in sorted({*names, *agent.skills}, key=str.lower)]
        languages: forms.MultipleChoiceField = self.fields["languages"]  # type: ignore[assignment]
        languages.choices = spoken_languages()
        for channel in registered():
            default = _default_capacity(channel)
            self.fields[f"capacity_{channel}"] = forms.IntegerField(
                label=_("Capacity: %(channel)s") % {"channel": channel_label(channel)},
                required=False,
                min_value=0,
                max_value=100,
                widget=forms.NumberInput(
                    attrs={"placeholder": str(default) if default is not None else gettext("no limit")}
                ),
                help_text=_("Open conversations at once on this channel; empty: the default (%(default)s).")
                % {"default": default if default is not None else gettext("no limit")},
            )
        if lead_only:
            for name in self.ADMIN_ONLY:
                del self.fields[name]
        self.initial = self.initial or self.initial_for(agent)

    @staticmethod
    def initial_for(agent: Agent) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "first_name": agent.user.first_name,
            "last_name": agent.user.last_name,
            "email": agent.user.email,
            "role": agent.role,
            "teams": list(agent.teams.all()),
            "language": agent.language,
            "skills": list(agent.skills),
            "languages": list(agent.languages),
        }
        for channel, value in (agent.capacity or {}).items():
            initial[f"capacity_{channel}"] = value
        return initial

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip().lower()
        others = get_user_model().objects.exclude(pk=self.agent.user_id)
        if others.filter(email__iexact=email).exists() or others.filter(username__iexact=email).exists():
            raise forms.ValidationError(_("There is already a login with this email address."))
        return email

    def values(self) -> dict[str, Any]:
        """The cleaned data as ``do_update_agent`` takes it."""
        data = dict(self.cleaned_data)
        capacity = {k: v for k, v in (self.agent.capacity or {}).items() if k not in registered()}
        for channel in registered():
            value = data.pop(f"capacity_{channel}", None)
            if value is not None:
                capacity[channel] = value
        data["capacity"] = capacity
        return data


class AgentChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Agent) -> str:
        return obj.name


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    members = AgentChoices(
        label=_("Members"),
        queryset=Agent.objects.active().select_related("user"),
        required=False,
    )

    def __init__(self, *args: Any, team: Team | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        clash = Team.objects.filter(name__iexact=name)
        if self.team is not None:
            clash = clash.exclude(pk=self.team.pk)
        if clash.exists():
            raise forms.ValidationError(_("A team with this name exists already."))
        return name


class SkillForm(forms.Form):
    name = forms.CharField(label=_("New skill"), max_length=60)

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if Skill.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError(_("This skill exists already."))
        return name


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; not like your name or email."),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict[str, Any]:
        from django.contrib.auth import password_validation

        data = super().clean() or {}
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("The two passwords differ."))
        elif one:
            try:
                password_validation.validate_password(one, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data

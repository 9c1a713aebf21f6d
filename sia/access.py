"""Who may see the data: the sign-in and allowlist policy, read from the app's secrets.

Sign-in is on when the secrets have an ``[auth]`` section (Streamlit's ``st.login``, OpenID
Connect, e.g. Microsoft Entra ID). Then only a signed-in viewer whose email address is in
``[access]`` ``allowed_emails``, or whose address is in a domain of ``allowed_domains``,
sees any data (case-insensitive; a domain matches exactly, not its subdomains).

Letting in everyone the identity provider signs in must be said in so many words
(``allow_all_signed_in = true``): a provider may sign in far more people than the
Partnership means to show the data to (Entra's multi-tenant "common" endpoint, or Google,
sign in anyone with an account), so with sign-in on and no allowlist nobody is let in.
Without ``[auth]`` the app is open. Malformed settings raise an InputError listing every
problem, and the app then shows no data: a mistake in the settings never opens the app.

No Streamlit here: sia.ui reads the secrets and ``st.user`` and applies this.
"""
from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

from .errors import InputError, Problem
from .wording import plural

AUTH, ACCESS = "auth", "access"
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
ACCESS_KEYS = ("allowed_emails", "allowed_domains", "allow_all_signed_in", "contact")
# The identity cookie is signed with cookie_secret; a short one could be guessed, and a
# forged cookie could name any allowed address.
MIN_COOKIE_SECRET = 32
_EMAIL = re.compile(r"[^@\s]+@((?:[a-z0-9-]+\.)+[a-z0-9-]+)")
_DOMAIN = re.compile(r"(?:[a-z0-9-]+\.)+[a-z0-9-]+")
_SEE = "see the README, 'Sign-in and hosting'"


class Access(enum.Enum):
    OPEN = "open"              # sign-in not configured: everyone who reaches the app
    SIGN_IN = "sign in"        # sign-in configured and nobody signed in
    NOT_LISTED = "not listed"  # signed in, but not on the allowlist
    ALLOWED = "allowed"


@dataclass(frozen=True)
class AccessPolicy:
    sign_in: bool = False
    providers: tuple[str | None, ...] = ()  # None: the provider set in [auth] itself
    allowed_emails: frozenset[str] = frozenset()
    allowed_domains: frozenset[str] = frozenset()
    allow_all_signed_in: bool = False
    contact: str = ""

    def access(self, viewer: Mapping) -> Access:
        """What the viewer (``st.user`` as a dict) may do."""
        if not self.sign_in:
            return Access.OPEN
        if viewer.get("is_logged_in") is not True:
            return Access.SIGN_IN
        return Access.ALLOWED if self.admits(viewer) else Access.NOT_LISTED

    def admits(self, viewer: Mapping) -> bool:
        if self.allow_all_signed_in:
            return True
        email = verified_email(viewer)
        return email is not None and (email in self.allowed_emails
                                      or email.rsplit("@", 1)[1] in self.allowed_domains)

    def describe(self) -> str:
        """One sentence for the About page."""
        if not self.sign_in:
            return ("Sign-in is not configured: anyone who can reach this server can see the "
                    "dashboard and its data. To restrict it, configure sign-in in the app's "
                    "secrets (`[auth]` and `[access]`; see the README, \"Sign-in and hosting\").")
        if self.allow_all_signed_in:
            return ("Sign-in is on: everyone the identity provider signs in may see the "
                    "dashboard.")
        who = [f"accounts in {', '.join(sorted(self.allowed_domains))}"] if self.allowed_domains else []
        if self.allowed_emails:
            who.append(plural(len(self.allowed_emails), "listed email address", "listed email addresses"))
        return (f"Sign-in is on: only {' and '.join(who)} may see the dashboard; anyone else "
                "who signs in sees no data.")


def verified_email(viewer: Mapping) -> str | None:
    """The viewer's email address, lower-cased; None when there is none, or when the
    provider says it has not verified it (``email_verified = false``)."""
    email = viewer.get("email")
    if not isinstance(email, str) or viewer.get("email_verified") is False:
        return None
    email = email.strip().lower()
    return email if _EMAIL.fullmatch(email) else None


def signed_in_as(viewer: Mapping) -> str:
    """'Jo Bloggs (jo.bloggs@derby.gov.uk)', or whichever of the two the provider gave."""
    name, email = viewer.get("name"), viewer.get("email")
    if name and email and name != email:
        return f"{name} ({email})"
    return str(email or name or "an account without a name or email address")


def access_policy(secrets: Mapping) -> AccessPolicy:
    """The policy the secrets set; InputError listing every problem when they are malformed."""
    auth, access = secrets.get(AUTH), secrets.get(ACCESS)
    if auth is None:
        if access is not None:  # someone meant to restrict the app: never run it open
            raise InputError(Problem(
                "restricts who may see the data, but sign-in is not configured", "secrets [access]",
                "add an [auth] section, or remove [access] to run the app open; " + _SEE))
        return AccessPolicy()
    problems: list[Problem] = []
    providers = _providers(auth, problems)
    policy = _allowlist(access if access is not None else {}, problems)
    if problems:
        raise InputError(problems)
    return AccessPolicy(sign_in=True, providers=providers, **policy)


def _providers(auth, problems: list[Problem]) -> tuple[str | None, ...]:
    """The identity providers [auth] configures, as st.login names them."""
    where = "secrets [auth]"
    if not isinstance(auth, Mapping):
        problems.append(Problem("must be a section of settings", where, _SEE))
        return ()
    redirect = auth.get("redirect_uri")
    if not (_is_url(redirect) and urlparse(redirect).path.endswith("/oauth2callback")):
        problems.append(Problem(
            f"redirect_uri must be the app's address followed by /oauth2callback, not {redirect!r}",
            where, "e.g. https://csp-dashboard.derby.gov.uk/oauth2callback"))
    secret = auth.get("cookie_secret")
    if not isinstance(secret, str) or len(secret) < MIN_COOKIE_SECRET:
        problems.append(Problem(
            f"cookie_secret must be a random string of at least {MIN_COOKIE_SECRET} characters",
            where, "make one with: python -c \"import secrets; print(secrets.token_hex(32))\""))
    named = [k for k, v in auth.items() if isinstance(v, Mapping) and k != "client_kwargs"]
    providers: list[str | None] = [None] if any(k in auth for k in PROVIDER_KEYS) else []
    providers += named
    for name in providers:
        settings, place = (auth, where) if name is None else (auth[name], f"secrets [auth.{name}]")
        if name is not None and "_" in name:  # st.login cannot name such a provider
            problems.append(Problem("a provider's name cannot contain '_'", place, "rename the section"))
        for key in PROVIDER_KEYS:
            value = settings.get(key)
            if not isinstance(value, str) or not value.strip() or (
                    key == "server_metadata_url" and not _is_url(value)):
                problems.append(Problem(
                    f"{key} is missing or not valid", place,
                    "give client_id, client_secret and server_metadata_url (an https:// address) "
                    "from the identity provider's app registration"))
    if not providers:
        problems.append(Problem(
            "names no identity provider", where,
            "give client_id, client_secret and server_metadata_url in [auth] (or in [auth.NAME] "
            "for each of several providers); " + _SEE))
    return tuple(providers)


def _allowlist(access, problems: list[Problem]) -> dict:
    where = "secrets [access]"
    if not isinstance(access, Mapping):
        problems.append(Problem("must be a section of settings", where, _SEE))
        return {}
    for key in access:
        if key not in ACCESS_KEYS:
            problems.append(Problem(f"unknown setting {key!r}", where,
                                    f"the settings are {', '.join(ACCESS_KEYS)}"))
    emails = _entries(access, "allowed_emails", problems)
    for email in emails:
        if not _EMAIL.fullmatch(email):
            problems.append(Problem(f"{email!r} is not an email address", f"{where} allowed_emails"))
    domains = _entries(access, "allowed_domains", problems)
    for domain in domains:
        if "@" in domain:
            problems.append(Problem(
                f"{domain!r} is not a domain", f"{where} allowed_domains",
                "write a domain without '@' (derby.gov.uk); put whole addresses in allowed_emails"))
        elif not _DOMAIN.fullmatch(domain):
            problems.append(Problem(f"{domain!r} is not a domain", f"{where} allowed_domains",
                                    "e.g. derby.gov.uk"))
    allow_all = access.get("allow_all_signed_in", False)
    if not isinstance(allow_all, bool):
        problems.append(Problem("allow_all_signed_in must be true or false", where))
        allow_all = False
    contact = access.get("contact", "")
    if not isinstance(contact, str):
        problems.append(Problem("contact must be text (who to ask for access)", where))
        contact = ""
    if not (emails or domains or allow_all):
        problems.append(Problem(
            "lets nobody see the data: no allowed_emails or allowed_domains", where,
            "list the addresses or domains allowed, or set allow_all_signed_in = true to let in "
            "everyone the identity provider signs in; " + _SEE))
    return {"allowed_emails": frozenset(emails), "allowed_domains": frozenset(domains),
            "allow_all_signed_in": allow_all, "contact": contact.strip()}


def _entries(access: Mapping, key: str, problems: list[Problem]) -> list[str]:
    """A list of text entries, stripped and lower-cased; a problem when it is not one."""
    value = access.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(Problem(f"{key} must be a list of text, e.g. {key} = [\"...\"]",
                                "secrets [access]"))
        return []
    return [v.strip().lower() for v in value]


def _is_url(value) -> bool:
    parts = urlparse(value) if isinstance(value, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc)

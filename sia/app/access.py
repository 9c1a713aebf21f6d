"""Who may see the data and who may change it: the sign-in, allowlist and role policy,
read from the app's secrets.

Sign-in is on when the secrets have an ``[auth]`` section (Streamlit's ``st.login``, OpenID
Connect, e.g. Microsoft Entra ID). Then only a signed-in viewer whose email address is in
``[access]`` ``allowed_emails``, or whose address is in a domain of ``allowed_domains``,
sees any data (case-insensitive; a domain matches exactly, not its subdomains). An address
counts only when the provider says it is verified (``email_verified`` true), or when the
settings say the provider verifies every address it signs in (``email_verified_by_provider
= true``, for providers such as a single-tenant Entra ID, which send no such claim).

Two roles: *viewers* see the data; *data stewards* may also load it (upload, fetch and
rebuild on the Data page). With sign-in, stewards are the addresses in ``steward_emails``.
Without sign-in the app is read-only, unless the one setting for a machine used by one
person, ``SIA_IN_APP_LOADING=1`` in the environment, makes whoever uses it a steward.

Letting in everyone the identity provider signs in must be said in so many words
(``allow_all_signed_in = true``): a provider may sign in far more people than the
Partnership means to show the data to (Entra's multi-tenant "common" endpoint, or Google,
sign in anyone with an account), so with sign-in on and no allowlist nobody is let in.
Without ``[auth]`` the app is open. Malformed settings raise an InputError listing every
problem, and the app then shows no data: a mistake in the settings never opens the app.

No Streamlit here: sia.app.sign_in reads the secrets and ``st.user`` and applies this.
"""
from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

from sia.errors import InputError, Problem
from sia.words import plural

AUTH, ACCESS = "auth", "access"
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
ACCESS_KEYS = ("allowed_emails", "allowed_domains", "allow_all_signed_in", "steward_emails",
               "email_verified_by_provider", "contact")
# The one setting that lets whoever uses an app without sign-in load data in it.
IN_APP_LOADING_VARIABLE = "SIA_IN_APP_LOADING"
# The identity cookie is signed with cookie_secret; a short one could be guessed, and a
# forged cookie could name any allowed address.
MIN_COOKIE_SECRET = 32
_EMAIL = re.compile(r"[^@\s]+@((?:[a-z0-9-]+\.)+[a-z0-9-]+)")
_DOMAIN = re.compile(r"(?:[a-z0-9-]+\.)+[a-z0-9-]+")
_SEE = "see the README, 'Sign-in and hosting'"


class Access(enum.Enum):
    OPEN = "open"              # sign-in not configured: everyone who reaches the app
    SIGN_IN = "sign in"        # sign-in configured and nobody signed in
    UNVERIFIED = "unverified"  # signed in, but the provider has not verified the address
    NOT_LISTED = "not listed"  # signed in, but not on the allowlist
    ALLOWED = "allowed"


@dataclass(frozen=True)
class AccessPolicy:
    sign_in: bool = False
    providers: tuple[str | None, ...] = ()  # None: the provider set in [auth] itself
    allowed_emails: frozenset[str] = frozenset()
    allowed_domains: frozenset[str] = frozenset()
    allow_all_signed_in: bool = False
    steward_emails: frozenset[str] = frozenset()
    email_verified_by_provider: bool = False
    in_app_loading: bool = False  # without sign-in: SIA_IN_APP_LOADING=1
    contact: str = ""

    def access(self, viewer: Mapping) -> Access:
        """Whether the viewer (``st.user`` as a dict) may see the data."""
        if not self.sign_in:
            return Access.OPEN
        if viewer.get("is_logged_in") is not True:
            return Access.SIGN_IN
        if self.admits(viewer):
            return Access.ALLOWED
        if self._listed(verified_email({**viewer, "email_verified": True})):
            return Access.UNVERIFIED  # on the list, but the provider does not vouch for it
        return Access.NOT_LISTED

    def email(self, viewer: Mapping) -> str | None:
        return verified_email(viewer, self.email_verified_by_provider)

    def admits(self, viewer: Mapping) -> bool:
        return self.allow_all_signed_in or self._listed(self.email(viewer))

    def _listed(self, email: str | None) -> bool:
        return email is not None and (email in self.allowed_emails or email in self.steward_emails
                                      or email.rsplit("@", 1)[1] in self.allowed_domains)

    def may_load(self, viewer: Mapping) -> bool:
        """Whether the viewer is a data steward: may upload, fetch and rebuild the data
        that every viewer sees."""
        if not self.sign_in:
            return self.in_app_loading
        return self.access(viewer) is Access.ALLOWED and self.email(viewer) in self.steward_emails

    def describe(self) -> str:
        """What the About page says of who may see and load the data."""
        return self._who_sees() + " " + self.who_loads()

    def who_loads(self) -> str:
        if not self.sign_in:
            return ("Anyone using this app may load data on the Data page (it is set up for a "
                    "machine used by one person)." if self.in_app_loading else
                    "Nobody can load or replace the data from the app: it is built on the server "
                    "with `python -m sia ingest` or `fetch`.")
        return (f"Only {plural(len(self.steward_emails), 'listed data steward')} may load or replace "
                "the data on the Data page." if self.steward_emails else
                "Nobody can load or replace the data from the app (no data stewards are listed).")

    def _who_sees(self) -> str:
        if not self.sign_in:
            return ("Sign-in is not configured: anyone who can reach this server can see the "
                    "dashboard and its data. To restrict it, configure sign-in in the app's "
                    "secrets (`[auth]` and `[access]`; see the README, \"Sign-in and hosting\").")
        if self.allow_all_signed_in:
            return ("Sign-in is on: everyone the identity provider signs in may see the "
                    "dashboard.")
        who = [f"accounts in {', '.join(sorted(self.allowed_domains))}"] if self.allowed_domains else []
        listed = {e for e in self.allowed_emails | self.steward_emails
                  if e.rsplit("@", 1)[1] not in self.allowed_domains}
        if listed:
            who.append(plural(len(listed), "listed email address", "listed email addresses"))
        return (f"Sign-in is on: only {' and '.join(who)} may see the dashboard; anyone else "
                "who signs in sees no data.")


def verified_email(viewer: Mapping, verified_by_provider: bool = False) -> str | None:
    """The viewer's email address, lower-cased, when the provider vouches for it: its
    ``email_verified`` claim is true (the JSON true, or exactly the text "true" some
    providers send), or it sends no such claim and the settings say it verifies every
    address. Anything else ("false", "True", " true", 1, a list) is not verified."""
    email = viewer.get("email")
    claim = viewer.get("email_verified")
    verified = claim is True or claim == "true" or (
        "email_verified" not in viewer and verified_by_provider)
    if not isinstance(email, str) or not verified:
        return None
    email = compared_address(email)
    return email if email is not None and _EMAIL.fullmatch(email) else None


def compared_address(text: str) -> str | None:
    """An address (or domain) as the access rules compare it: stripped, NFKC-normalised and
    case-folded; None when it is not plain printable ASCII. Look-alikes are refused, not
    folded: U+212A KELVIN SIGN lower-cases to 'k', so '\u212aate@derby.gov.uk' would
    otherwise become a steward's 'kate@derby.gov.uk'."""
    text = text.strip()
    if not (text.isascii() and text.isprintable()):
        return None
    folded = unicodedata.normalize("NFKC", text).casefold()
    return folded if folded.isascii() else None


def signed_in_as(viewer: Mapping) -> str:
    """'Jo Bloggs (jo.bloggs@derby.gov.uk)', or whichever of the two the provider gave."""
    name, email = viewer.get("name"), viewer.get("email")
    if name and email and name != email:
        return f"{name} ({email})"
    return str(email or name or "an account without a name or email address")


def access_policy(secrets: Mapping, environ: Mapping | None = None) -> AccessPolicy:
    """The policy the secrets (and, without sign-in, the environment) set; InputError
    listing every problem when they are malformed."""
    auth, access = secrets.get(AUTH), secrets.get(ACCESS)
    if auth is None:
        if access is not None:  # someone meant to restrict the app: never run it open
            raise InputError(Problem(
                "restricts who may see the data, but sign-in is not configured", "secrets [access]",
                "add an [auth] section, or remove [access] to run the app open; " + _SEE))
        flag = (environ or {}).get(IN_APP_LOADING_VARIABLE, "").strip()
        if flag not in ("", "0", "1"):
            raise InputError(Problem(f"${IN_APP_LOADING_VARIABLE} is {flag!r}", "the environment",
                                     "set it to 1 to let whoever uses this app load data in it, or unset it"))
        return AccessPolicy(in_app_loading=flag == "1")
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
    stewards = _entries(access, "steward_emails", problems)
    for key, listed in (("allowed_emails", emails), ("steward_emails", stewards)):
        for email in listed:
            if not _EMAIL.fullmatch(email):
                problems.append(Problem(f"{email!r} is not an email address", f"{where} {key}",
                                        "stewards are named one by one, by address" if key == "steward_emails"
                                        else ""))
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
    by_provider = access.get("email_verified_by_provider", False)
    if not isinstance(by_provider, bool):
        problems.append(Problem("email_verified_by_provider must be true or false", where))
        by_provider = False
    contact = access.get("contact", "")
    if not isinstance(contact, str):
        problems.append(Problem("contact must be text (who to ask for access)", where))
        contact = ""
    if not (emails or domains or allow_all or stewards):
        problems.append(Problem(
            "lets nobody see the data: no allowed_emails or allowed_domains", where,
            "list the addresses or domains allowed, or set allow_all_signed_in = true to let in "
            "everyone the identity provider signs in; " + _SEE))
    return {"allowed_emails": frozenset(emails), "allowed_domains": frozenset(domains),
            "allow_all_signed_in": allow_all, "steward_emails": frozenset(stewards),
            "email_verified_by_provider": by_provider, "contact": contact.strip()}


def _entries(access: Mapping, key: str, problems: list[Problem]) -> list[str]:
    """A list of text entries, stripped and lower-cased; a problem when it is not one."""
    value = access.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(Problem(f"{key} must be a list of text, e.g. {key} = [\"...\"]",
                                "secrets [access]"))
        return []
    entries = [compared_address(v) for v in value]
    odd = [v for v, e in zip(value, entries) if e is None]
    if odd:
        problems.append(Problem(f"{key} holds {odd[0]!r}, which is not plain ASCII text", "secrets [access]",
                                "write addresses and domains in plain letters (an internationalised domain "
                                "in its xn-- form)"))
    return [e for e in entries if e is not None]


def _is_url(value) -> bool:
    parts = urlparse(value) if isinstance(value, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc)

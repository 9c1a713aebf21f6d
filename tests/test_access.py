"""Sign-in and the allowlist: the policy (sia.app.access), and every page run with AppTest
signed out, signed in and allowed, signed in and not listed, and misconfigured.

AppTest sets the viewer with ``at.user`` (read by the app as st.user) and the secrets with
``at.secrets``; st.login itself is not run here (tests/e2e/test_sign_in.py clicks it)."""
import pytest
from streamlit.testing.v1 import AppTest

from sia.app.access import Access, AccessPolicy, access_policy, signed_in_as, verified_email
from sia.errors import InputError

from support import ROOT, unescaped

SECRET = "0123456789abcdef" * 4
AUTH = {"redirect_uri": "https://csp.derby.gov.uk/oauth2callback", "cookie_secret": SECRET,
        "client_id": "app-id", "client_secret": "app-secret",
        "server_metadata_url": "https://login.microsoftonline.com/tenant/v2.0/.well-known/openid-configuration"}
ACCESS = {"allowed_domains": ["Derby.gov.uk"], "allowed_emails": ["analyst@derbyshire.police.uk"],
          "contact": "the CSP analysts (csp@derby.gov.uk)"}
ANALYST = {"is_logged_in": True, "email": "Jo.Bloggs@DERBY.gov.uk", "name": "Jo Bloggs", "email_verified": True}
OUTSIDER = {"is_logged_in": True, "email": "someone@example.com", "name": "Some One", "email_verified": True}
STEWARD = {"is_logged_in": True, "email": "data.steward@derby.gov.uk", "name": "Dee Steward",
           "email_verified": True}
SIGNED_OUT = {"is_logged_in": False}
PAGES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))
# What a sign-in or no-access screen may hold: nothing of the data (no table, chart, map,
# metric, data banner or filter).
GATE_ELEMENTS = {"main", "sidebar", "event", "title", "markdown", "button", "error"}


def problems(secrets) -> str:
    with pytest.raises(InputError) as caught:
        access_policy(secrets)
    return "\n".join(str(p) for p in caught.value.problems)


# --- the policy ----------------------------------------------------------------------------

def test_without_auth_the_app_is_open():
    policy = access_policy({"something_else": "x"})
    assert policy == AccessPolicy() and policy.access({}) is Access.OPEN
    assert policy.describe().startswith("Sign-in is not configured")


def test_allowlist_matches_emails_and_domains_case_insensitively():
    policy = access_policy({"auth": AUTH, "access": ACCESS})
    assert policy.providers == (None,) and policy.contact == ACCESS["contact"]
    assert policy.access(ANALYST) is Access.ALLOWED
    assert policy.access({**OUTSIDER, "email": " Analyst@Derbyshire.Police.UK "}) is Access.ALLOWED
    assert policy.access(OUTSIDER) is Access.NOT_LISTED
    # A domain matches exactly: not a subdomain, nor a look-alike.
    for email in ("x@sub.derby.gov.uk", "x@notderby.gov.uk", "x@derby.gov.uk.example.com"):
        assert policy.access({**ANALYST, "email": email}) is Access.NOT_LISTED
    assert policy.access(SIGNED_OUT) is Access.SIGN_IN
    assert policy.access({"email": "jo@derby.gov.uk"}) is Access.SIGN_IN  # no sign-in, no entry
    assert "accounts in derby.gov.uk and 1 listed email address" in policy.describe()


@pytest.mark.parametrize("claim", [False, "false", "False", "no", 0, 1, "", "yes", ["true"], None,
                                   "TRUE", "True", " true ", "true\n"])
def test_only_a_true_email_verified_claim_counts(claim):
    """email_verified must be true (or the text "true" some providers send): "false" is a
    non-empty string, and was once taken as true."""
    policy = access_policy({"auth": AUTH, "access": ACCESS})
    viewer = {**ANALYST, "email_verified": claim}
    assert policy.access(viewer) is Access.UNVERIFIED and not policy.admits(viewer)
    assert verified_email(viewer) is None


def test_an_unverified_or_missing_email_is_not_let_in():
    policy = access_policy({"auth": AUTH, "access": ACCESS})
    assert policy.access({**ANALYST, "email_verified": True}) is Access.ALLOWED
    assert policy.access({**ANALYST, "email_verified": "true"}) is Access.ALLOWED
    without_claim = {k: v for k, v in ANALYST.items() if k != "email_verified"}
    assert policy.access(without_claim) is Access.UNVERIFIED
    assert policy.access({**OUTSIDER, "email_verified": False}) is Access.NOT_LISTED  # not listed anyway
    assert policy.access({"is_logged_in": True, "name": "No Email"}) is Access.NOT_LISTED
    assert verified_email({"email": "two@at@derby.gov.uk", "email_verified": True}) is None
    # A provider that sends no such claim but verifies every address (single-tenant Entra ID).
    trusting = access_policy({"auth": AUTH, "access": {**ACCESS, "email_verified_by_provider": True}})
    assert trusting.access(without_claim) is Access.ALLOWED
    assert trusting.access({**ANALYST, "email_verified": "false"}) is Access.UNVERIFIED  # a claim still counts
    assert "email_verified_by_provider must be true or false" in problems(
        {"auth": AUTH, "access": {**ACCESS, "email_verified_by_provider": "yes"}})


KATE = {"auth": AUTH, "access": {"steward_emails": ["kate@derby.gov.uk"], "allowed_domains": ["derby.gov.uk"]}}


@pytest.mark.parametrize("email,claim,access,steward", [
    ("kate@derby.gov.uk", True, Access.ALLOWED, True),
    ("Kate@Derby.Gov.UK", "true", Access.ALLOWED, True),  # case alone is no other person
    (" kate@derby.gov.uk ", True, Access.ALLOWED, True),
    ("kate@derby.gov.uk", "TRUE", Access.UNVERIFIED, False),
    ("kate@derby.gov.uk", 1, Access.UNVERIFIED, False),
    ("kate@derby.gov.uk", None, Access.UNVERIFIED, False),
    ("kate@derby.gov.uk", "missing", Access.UNVERIFIED, False),
    ("\u212aate@derby.gov.uk", True, Access.NOT_LISTED, False),  # KELVIN SIGN, which lower() folds to k
    ("x@derby.gov.u\u212a", True, Access.NOT_LISTED, False),
    ("kate@derby.gov.uk.", True, Access.NOT_LISTED, False),  # a trailing dot
    ("kate@mail.derby.gov.uk", True, Access.NOT_LISTED, False),  # a subdomain
    ("kate+steward@derby.gov.uk", True, Access.ALLOWED, False),  # plus-addressing: another address
    ("k\u0430te@derby.gov.uk", True, Access.NOT_LISTED, False),  # Cyrillic a
    ("\uff4bate@derby.gov.uk", True, Access.NOT_LISTED, False),  # full-width k, which NFKC folds to k
    ("kate@derby.gov.uk\u200b", True, Access.NOT_LISTED, False),  # a zero-width space
    ("kate@xn--drby-fra.gov.uk", True, Access.NOT_LISTED, False),  # a punycode look-alike domain
])
def test_access_rules_compare_exact_normalised_identities(email, claim, access, steward):
    """The email-claim matrix: only a verified, plain-ASCII address equal to a listed one
    (after case folding) is that person; look-alikes are nobody."""
    policy = access_policy(KATE)
    viewer = {"is_logged_in": True, "email": email, "name": "K"}
    if claim != "missing":
        viewer["email_verified"] = claim
    assert policy.access(viewer) is access
    assert policy.may_load(viewer) is steward


def test_an_address_in_the_settings_that_is_not_plain_ascii_is_refused():
    assert "steward_emails holds '\u212aate@derby.gov.uk', which is not plain ASCII text" in problems(
        {"auth": AUTH, "access": {"steward_emails": ["\u212aate@derby.gov.uk"]}})


def test_stewards_may_load_and_viewers_may_not():
    policy = access_policy({"auth": AUTH, "access": {**ACCESS, "steward_emails": ["Data.Steward@derby.gov.uk"]}})
    assert policy.may_load(STEWARD) and policy.access(STEWARD) is Access.ALLOWED
    assert not policy.may_load(ANALYST) and policy.access(ANALYST) is Access.ALLOWED
    assert not policy.may_load({**STEWARD, "email_verified": "false"})
    assert not policy.may_load({**STEWARD, "is_logged_in": False})
    assert not policy.may_load(OUTSIDER)
    # A steward need not be on the viewers' lists to see the data.
    only = access_policy({"auth": AUTH, "access": {"steward_emails": ["x@example.org"]}})
    assert only.access({**OUTSIDER, "email": "x@example.org"}) is Access.ALLOWED
    assert "1 listed data steward may load" in policy.describe()
    assert "'derby.gov.uk' is not an email address" in problems(
        {"auth": AUTH, "access": {**ACCESS, "steward_emails": ["derby.gov.uk"]}})


def test_without_sign_in_nobody_loads_unless_the_machine_is_one_persons():
    assert not access_policy({}).may_load({})
    assert not access_policy({}, {"SIA_IN_APP_LOADING": "0"}).may_load({})
    assert access_policy({}, {"SIA_IN_APP_LOADING": "1"}).may_load({})
    assert "Nobody can load or replace the data from the app" in access_policy({}).describe()
    assert "Anyone using this app may load data" in access_policy({}, {"SIA_IN_APP_LOADING": "1"}).describe()
    with pytest.raises(InputError, match="SIA_IN_APP_LOADING is 'yes'"):
        access_policy({}, {"SIA_IN_APP_LOADING": "yes"})
    # With sign-in the setting gives nobody the steward's role: the secrets list stewards.
    policy = access_policy({"auth": AUTH, "access": ACCESS}, {"SIA_IN_APP_LOADING": "1"})
    assert not policy.may_load(ANALYST)


def test_sign_in_without_an_allowlist_lets_nobody_in_unless_it_says_so():
    assert "lets nobody see the data" in problems({"auth": AUTH})
    assert "lets nobody see the data" in problems({"auth": AUTH, "access": {"contact": "x"}})
    everyone = access_policy({"auth": AUTH, "access": {"allow_all_signed_in": True}})
    assert everyone.access(OUTSIDER) is Access.ALLOWED and everyone.access(SIGNED_OUT) is Access.SIGN_IN
    assert "everyone the identity provider signs in" in everyone.describe()


def test_an_allowlist_without_sign_in_never_runs_the_app_open():
    assert "sign-in is not configured" in problems({"access": ACCESS})


def test_misconfigured_access_is_explained():
    text = problems({"auth": AUTH, "access": {
        "allowed_domains": ["@derby.gov.uk", "derby gov uk"], "allowed_emails": "jo@derby.gov.uk",
        "allow_all_signed_in": "yes", "contact": 3, "allowed_domain": ["derby.gov.uk"]}})
    assert "'@derby.gov.uk' is not a domain; write a domain without '@'" in text
    assert "'derby gov uk' is not a domain" in text
    assert "allowed_emails must be a list of text" in text
    assert "allow_all_signed_in must be true or false" in text
    assert "contact must be text" in text
    assert "unknown setting 'allowed_domain'" in text
    assert "'jo' is not an email address" in problems(
        {"auth": AUTH, "access": {"allowed_emails": ["jo"]}})
    assert "must be a section" in problems({"auth": AUTH, "access": ["derby.gov.uk"]})


def test_misconfigured_auth_is_explained():
    text = problems({"auth": {"redirect_uri": "/oauth2callback", "cookie_secret": "short"},
                     "access": ACCESS})
    assert "redirect_uri must be the app's address followed by /oauth2callback" in text
    assert "cookie_secret must be a random string of at least 32 characters" in text
    assert "names no identity provider" in text
    text = problems({"auth": {**AUTH, "server_metadata_url": "login.microsoftonline.com"}, "access": ACCESS})
    assert "secrets [auth]: server_metadata_url is missing or not valid" in text


def test_named_providers():
    shared = {k: AUTH[k] for k in ("redirect_uri", "cookie_secret")}
    provider = {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}
    policy = access_policy({"auth": {**shared, "microsoft": provider, "okta": provider}, "access": ACCESS})
    assert policy.providers == ("microsoft", "okta")
    text = problems({"auth": {**shared, "entra_id": {"client_id": "x"}}, "access": ACCESS})
    assert "secrets [auth.entra_id]: a provider's name cannot contain '_'" in text
    assert "secrets [auth.entra_id]: client_secret is missing or not valid" in text


def test_signed_in_as():
    assert signed_in_as(ANALYST) == "Jo Bloggs (Jo.Bloggs@DERBY.gov.uk)"
    assert signed_in_as({"email": "jo@derby.gov.uk"}) == "jo@derby.gov.uk"


# --- the pages -----------------------------------------------------------------------------

def run_page(page: str, user: dict | None = None, secrets: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets.update(secrets or {})
    if user is not None:
        at.user = user
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def elements(at: AppTest) -> set[str]:
    def walk(node):
        for child in getattr(node, "children", {}).values():
            yield child.type
            yield from walk(child)
    return set(walk(at._tree))


def assert_no_data(at: AppTest) -> None:
    assert elements(at) <= GATE_ELEMENTS, elements(at) - GATE_ELEMENTS
    assert not at.dataframe and not at.metric and not at.sidebar.children
    assert at.title[0].value == "Derby community safety"


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("user", [None, SIGNED_OUT], ids=["anonymous", "signed-out"])
def test_signed_out_viewers_see_only_sign_in(monkeypatch, page, user):
    monkeypatch.delenv("SIA_DATA_DIR", raising=False)
    at = run_page(page, user, {"auth": AUTH, "access": ACCESS})
    assert_no_data(at)
    assert [b.label for b in at.button] == ["Sign in"] and not at.markdown


def test_several_providers_each_have_a_button(monkeypatch):
    provider = {k: AUTH[k] for k in ("client_id", "client_secret", "server_metadata_url")}
    auth = {"redirect_uri": AUTH["redirect_uri"], "cookie_secret": SECRET,
            "microsoft": provider, "google": provider}
    at = run_page("pages/overview.py", SIGNED_OUT, {"auth": auth, "access": ACCESS})
    assert [b.label for b in at.button] == ["Sign in with Microsoft", "Sign in with Google"]


@pytest.mark.parametrize("page", PAGES)
def test_a_viewer_not_on_the_allowlist_sees_who_to_ask(monkeypatch, page):
    monkeypatch.delenv("SIA_DATA_DIR", raising=False)
    at = run_page(page, OUTSIDER, {"auth": AUTH, "access": ACCESS})
    assert_no_data(at)
    text = " ".join(unescaped(m.value) for m in at.markdown)
    assert "signed in as **Some One (someone@example.com)**" in text
    assert "does not have access" in text and "contact the CSP analysts (csp@derby.gov.uk)" in text
    assert [b.label for b in at.button] == ["Sign out"]


def test_an_allowed_viewer_sees_the_data_and_can_sign_out(monkeypatch):
    monkeypatch.delenv("SIA_DATA_DIR", raising=False)
    at = run_page("pages/overview.py", ANALYST, {"auth": AUTH, "access": ACCESS})
    assert at.title[0].value == "Derby community safety overview" and at.metric
    assert unescaped(at.sidebar.caption[0].value) == "Signed in as Jo Bloggs (Jo.Bloggs@DERBY.gov.uk)"
    next(b for b in at.sidebar.button if b.label == "Sign out").click().run()
    assert at.user == {"is_logged_in": False}
    assert_no_data(at)
    assert [b.label for b in at.button] == ["Sign in"]


def test_about_says_sign_in_is_on(monkeypatch):
    monkeypatch.delenv("SIA_DATA_DIR", raising=False)
    at = run_page("pages/about.py", ANALYST, {"auth": AUTH, "access": ACCESS})
    text = " ".join(m.value for m in at.markdown)
    assert "Sign-in is on: only accounts in derby.gov.uk and 1 listed email address" in text


def test_without_sign_in_the_app_is_open_and_about_says_so(monkeypatch):
    monkeypatch.delenv("SIA_DATA_DIR", raising=False)
    at = run_page("pages/about.py")  # no secrets: the default viewer is not signed in
    text = " ".join(m.value for m in at.markdown)
    assert "Sign-in is not configured: anyone who can reach this server" in text
    assert "Synthetic demo data" in at.warning[0].value  # the data is shown
    assert not [b for b in at.sidebar.button if b.label == "Sign out"]


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/ward.py"])
def test_misconfigured_access_shows_the_problem_and_no_data(monkeypatch, page):
    monkeypatch.delenv("SIA_DATA_DIR", raising=False)
    at = run_page(page, ANALYST, {"auth": AUTH, "access": {"allowed_domains": ["@derby.gov.uk"]}})
    assert_no_data(at)
    assert "Sign-in is not set up correctly, so no data is shown" in at.error[0].value
    assert "'@derby.gov.uk' is not a domain" in unescaped(at.error[0].value)
    assert not at.button


def test_a_secrets_file_that_cannot_be_read_shows_no_data(monkeypatch, tmp_path):
    """A broken secrets file may be meant to hold [auth]: the app stays closed, not open."""
    from streamlit.testing.v1.util import patch_config_options

    monkeypatch.delenv("SIA_DATA_DIR", raising=False)
    broken = tmp_path / "secrets.toml"
    broken.write_text('[auth]\nredirect_uri = "https://csp.derby.gov.uk/oauth2callback\n')
    with patch_config_options({"secrets.files": [str(broken)]}):
        at = run_page("pages/overview.py", ANALYST)
    assert_no_data(at)
    assert "Error parsing secrets file" in at.error[0].value and not at.button

"""The sign-in gate and roles on screen: sia.app.access decides who may see and load the
data; this reads the secrets and st.user, draws the sign-in and no-access screens, and
remembers for the rest of a run that the gate was passed."""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from sia.app.access import Access, AccessPolicy, access_policy, signed_in_as
from sia.app.heavy import served
from sia.app.request_gate import behind_gate, note_uploader
from sia.dataset.location import real_data_dir
from sia.dataset.store import area_in
from sia.errors import InputError, Problem
from sia.views.shown_text import markdown_text, shown


def app_name() -> str:
    """'Derby community safety': the name of the area whose data the app serves, read from
    the build's manifest alone (so the sign-in screen can name it without opening the data)."""
    try:
        return f"{area_in(real_data_dir()).name} community safety"
    except InputError:  # a damaged build: the pages say what is wrong
        return "Community safety"

def app_access_policy() -> AccessPolicy:
    """The sign-in and allowlist policy in the app's secrets; InputError when malformed."""
    try:
        secrets = st.secrets.to_dict()  # looked up at call time: AppTest swaps st.secrets
    except StreamlitSecretNotFoundError as exc:
        if exc.error_id != "no-secrets-found":  # a file that may hold [auth]: stay closed
            raise InputError(Problem(str(exc), "the app's secrets", "correct the file's TOML")) from None
        secrets = {}  # no secrets file at all: the app is open
    return access_policy(secrets, os.environ)

def viewer_may_load() -> bool:
    """Whether the viewer is a data steward, who may upload, fetch and rebuild the data
    every viewer sees (sia.app.access); False when the settings cannot be read."""
    try:
        return app_access_policy().may_load(st.user.to_dict())
    except InputError:
        return False

def access_gate() -> bool:
    """Whether the viewer may see the data: the app is open, or they are signed in and on
    the allowlist. Otherwise draws only the sign-in screen, the no-access screen or what is
    wrong with the access settings, and returns False. Call before anything of the data."""
    try:
        policy = app_access_policy()
    except InputError as exc:
        st.title(markdown_text(app_name()))
        st.error("Sign-in is not set up correctly, so no data is shown. The app's secrets "
                 "need correcting:\n\n" + "\n".join(f"- {shown(p)}" for p in exc.problems))
        return False
    if policy.sign_in and served() and not behind_gate():
        st.title(markdown_text(app_name()))
        st.error("Sign-in is set up, but this server was started without its request gate, which "
                 "keeps uploads from anyone not signed in, so no data is shown. Start it with "
                 "`streamlit run serve.py`.")
        return False
    viewer = st.user.to_dict()
    access = policy.access(viewer)
    if access in (Access.OPEN, Access.ALLOWED):
        return True
    st.title(markdown_text(app_name()))
    if access is Access.SIGN_IN:
        several = len(policy.providers) > 1
        for provider in policy.providers:
            st.button(f"Sign in with {markdown_text(provider.title())}" if several else "Sign in", type="primary",
                      on_click=st.login, args=(provider,), key=f"sign_in_{provider or 'default'}",
                      icon=":material/login:")
    elif access is Access.UNVERIFIED:
        st.markdown(f"You are signed in as **{markdown_text(signed_in_as(viewer))}**, but the identity "
                    "provider has not confirmed that this email address is yours, so the dashboard "
                    "cannot let you in. Confirm the address with the provider, then sign in again.")
    else:
        st.markdown(f"You are signed in as **{markdown_text(signed_in_as(viewer))}**, which does "
                    "not have access to this dashboard.")
    if access in (Access.UNVERIFIED, Access.NOT_LISTED):
        st.markdown(f"To ask for access, contact {markdown_text(policy.contact)}." if policy.contact else
                    "To ask for access, contact the team that runs this dashboard.")
        st.button("Sign out", on_click=st.logout, key="sign_out", icon=":material/logout:")
    return False

def note_session_uploads(allowed: bool) -> None:
    """Tell the request gate whether this session may upload: its viewer passed the gate
    (``allowed``) and is a data steward. Run on every run of app.py, so that signing out
    takes the permission away."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is not None:
        note_uploader(ctx.session_id, allowed and viewer_may_load())


def signed_in_sidebar() -> None:
    """Who is signed in, and a way out, at the top of the sidebar (nothing when the app is
    open). app.py draws it once a run, after access_gate."""
    viewer = st.user.to_dict()
    if viewer.get("is_logged_in") is True:
        with st.sidebar:
            st.caption(f"Signed in as {markdown_text(signed_in_as(viewer))}")
            st.button("Sign out", on_click=st.logout, key="sign_out", icon=":material/logout:",
                      type="tertiary")


# The gate's verdict for the rest of a script run: app.py runs the gate, then the page in
# the same thread, which need not run it again. A page run on its own (as AppTest does on
# reruns) finds no verdict and runs the gate itself.
_run = threading.local()


@contextmanager
def gate_passed():
    """Around app.py's ``page.run()``, once the gate has let the viewer in."""
    _run.passed = True
    try:
        yield
    finally:
        _run.passed = False


def gate_passed_this_run() -> bool:
    return getattr(_run, "passed", False)

"""The dashboard's server: ``streamlit run serve.py`` serves app.py behind the request gate
(sia.app.request_gate), which refuses uploads from sessions that may not load data and bounds
what uploads may hold, takes the map frame's word that the map is drawn (sia.app.first_paint:
the rest of the map page is sent after it), and tells a page opened from a link where the
server is (sia.app.page_shell). Use it wherever the app is hosted; ``streamlit run app.py`` serves
the app without the gate and, when sign-in is configured, shows no data."""
from starlette.middleware import Middleware
from streamlit.runtime.pages_manager import PagesManager
from streamlit.starlette import App

from sia.app.first_paint import FirstPaintSignal
from sia.app.page_shell import PageShell
from sia.app.request_gate import gate_middleware

# Every page runs under app.py's st.navigation: Streamlit's old-style list of pages/ (which
# it would send the first session of a fresh server, signed in or not) is never used.
PagesManager.uses_pages_directory = False
app = App("app.py", middleware=[*gate_middleware(), Middleware(FirstPaintSignal), Middleware(PageShell)])

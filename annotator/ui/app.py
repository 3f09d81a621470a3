"""Entry file: declares the pages each role may open. Run with ``annotator serve``."""

import streamlit as st

from annotator.ui.common import current_user
from annotator.ui.navigation import FAVICON, account_sidebar, pages_for

st.set_page_config(page_title="annotator — who says so?", page_icon=FAVICON, layout="wide")
user = current_user()
navigation = st.navigation(pages_for(user), position="sidebar" if user else "hidden")
account_sidebar(user)
navigation.run()

"""A replica loads no library it does not draw with: pandas and pyarrow (st.dataframe's) and
matplotlib (the GIF's) hold about 100 MB for good once imported, against a 600 MB target (issue 14).
Run in a process of its own: other tests import them."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVERY_PAGE = """
import os
import sys
from streamlit.testing.v1 import AppTest
sys.path.insert(0, "tests")
from pages import open_page

explorer = AppTest.from_file(os.path.abspath("app/main.py"), default_timeout=120).run()
assert not explorer.exception
race = open_page("app.many", "many_page")
race.session_state["optimizers"] = ["sgd", "adam"]
race.session_state["many_mode"] = "race"
race.session_state["race_balls"] = 16
race.session_state["steps"] = 40
race.run()
assert not race.exception and any("lm-race-table" in m.value for m in race.markdown)
for module, page in (("app.data_page", "data_page"), ("app.network", "network_page"), ("app.fog_chapters", "fog_page"), ("app.explorer", "formula_page")):
    assert not open_page(module, page).exception, page
print(" ".join(sorted(name for name in ("pandas", "pyarrow", "matplotlib") if name in sys.modules)) or "none")
"""


def test_every_page_runs_without_pandas_pyarrow_or_matplotlib():
    done = subprocess.run([sys.executable, "-c", EVERY_PAGE], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "none"

"""The server holds up in a classroom: hardened settings, bounded caches, capped work."""

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_streamlit_config_is_hardened():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True and config["server"]["enableCORS"] is True
    assert config["server"]["maxUploadSize"] == 1
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["toolbarMode"] == "viewer" and config["client"]["showErrorDetails"] == "none"


def test_every_cache_in_the_app_is_bounded():
    found = 0
    for path in (ROOT / "app").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("cache_data", "cache_resource"):
                found += 1
                keywords = {keyword.arg for keyword in node.keywords}
                assert "max_entries" in keywords, f"{path.name}:{node.lineno} has an unbounded cache"
    assert found >= 15

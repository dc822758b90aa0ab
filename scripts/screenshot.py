"""Take a screenshot of the running explorer: `python -m scripts.screenshot docs/screenshot.png`."""

import sys

from scripts.live_app import VIEW_READY, chromium_page, running_app


def main(out: str) -> None:
    with running_app() as url, chromium_page(1400, 900) as page:
        page.goto(url)
        page.wait_for_function(VIEW_READY, timeout=120_000)
        page.screenshot(path=out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.png")

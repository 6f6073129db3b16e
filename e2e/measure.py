"""`make measure`: the login page's weight on a phone, first visit and repeat visit."""

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from e2e.browsers import PHONE, launch_options
from e2e.servers import start_app
from e2e.weight import first_and_repeat_visit, report


def main() -> None:
    server = start_app(Path(tempfile.mkdtemp()) / "app")
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium
            browser = chromium.launch(**launch_options(chromium.executable_path))
            first, repeat = first_and_repeat_visit(
                browser.new_context(**PHONE), server.url + "/connexion"
            )
            print(report("Première visite", first))
            print(report("Visite suivante (cache chaud)", repeat))
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()

"""What a visit to a page costs over the network: requests and bytes actually transferred
(compressed bodies plus headers), on a first visit and on a repeat visit with a warm cache."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Visit:
    requests: list[tuple[str, int]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.requests)

    @property
    def total(self) -> int:
        return sum(size for _, size in self.requests)


def visit(page, url: str) -> Visit:
    """Navigate to `url` and sum Chromium's own count of bytes received per network request."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    urls: dict[str, str] = {}
    result = Visit()

    def sent(event):
        urls[event["requestId"]] = event["request"]["url"]

    def finished(event):
        url = urls.get(event["requestId"], "")
        # Inline data: URLs and answers from the memory cache never touch the network.
        if url.startswith("http") and event["encodedDataLength"] > 0:
            result.requests.append((url, int(event["encodedDataLength"])))

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished", finished)
    page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(300)
    cdp.detach()
    return result


def first_and_repeat_visit(context, url: str) -> tuple[Visit, Visit]:
    page = context.new_page()
    first = visit(page, url)
    repeat = visit(page, url)
    return first, repeat


def report(name: str, visit: Visit) -> str:
    lines = [f"{name} : {visit.count} requêtes, {visit.total / 1024:.1f} Ko transférés"]
    for url, size in sorted(visit.requests, key=lambda item: -item[1]):
        lines.append(f"  {size / 1024:7.1f} Ko  /{url.split('/', 3)[-1]}")
    return "\n".join(lines)

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


def visit(context, url: str) -> Visit:
    """Open `url` in a new tab and sum Chromium's own count of bytes received per request."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    urls: dict[str, str] = {}
    cached: set[str] = set()
    result = Visit()

    def sent(event):
        urls[event["requestId"]] = event["request"]["url"]

    def from_cache(event):
        cached.add(event["requestId"])

    def received(event):
        if event["response"].get("fromDiskCache") or event["response"].get("fromPrefetchCache"):
            cached.add(event["requestId"])

    def finished(event):
        url = urls.get(event["requestId"], "")
        # data: URLs and answers from the browser's cache never touch the network.
        if url.startswith("http") and event["requestId"] not in cached:
            result.requests.append((url, int(event["encodedDataLength"])))

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.requestServedFromCache", from_cache)
    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    page.goto(url, wait_until="networkidle")
    # The favicon is fetched after the load event: wait for it to be counted in this visit.
    page.wait_for_timeout(500)
    cdp.detach()
    page.close()
    return result


def first_and_repeat_visit(context, url: str) -> tuple[Visit, Visit]:
    """Two visits in two tabs of one browser profile: the second finds the first's cache."""
    return visit(context, url), visit(context, url)


def report(name: str, visit: Visit) -> str:
    lines = [f"{name} : {visit.count} requêtes, {visit.total / 1024:.1f} Ko transférés"]
    for url, size in sorted(visit.requests, key=lambda item: -item[1]):
        lines.append(f"  {size / 1024:7.1f} Ko  /{url.split('/', 3)[-1]}")
    return "\n".join(lines)

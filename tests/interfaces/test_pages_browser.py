"""The pages in a real browser: Debian's Chromium driven by Playwright over a real uvicorn
server on loopback (``docs/pages.md``, "Browser tests").

A voter votes, challenges, casts and checks the receipt by keyboard alone; the results page
shows the demo's numbers; every page renders in all three languages without console errors,
with no serious or critical axe-core violation. Screenshots go to the test's tmp dir and are
copied to /tmp/pages-shots.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plebiscite.crypto.signing import SigningKey
from plebiscite.domain.manifest import LocationKind
from plebiscite.interfaces.app import create_app, open_app
from plebiscite.interfaces.demo import free_port, run_demo, running_server
from plebiscite.record.memory import MemoryBoard
from plebiscite.services.election.setup import load_manifest
from plebiscite.services.simulation.testbed import publish_test_election
from plebiscite.services.voting.casting import CastingService, SimulatedClock

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-referendum" / "manifest.toml"
SHOTS = Path("/tmp/pages-shots")
TOKEN = "browser-test-token"
#: Cookies ignore ports: the demo server has another token, so its sign-in page stays shut.
DEMO_TOKEN = "browser-demo-token"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LANGS = ("uk", "ru", "en")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Chromium at /usr/bin/chromium (make setup installs it: apt-get install "
        "chromium)",
    ),
]
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="needs Playwright for Python (pip install -e '.[dev]')"
)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return tmp_path_factory.mktemp("screenshots")


def _shoot(page: Any, shots: Path, name: str) -> None:
    path = shots / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    shutil.copy(path, SHOTS / path.name)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """A finished seed referendum (100 voters) served with its record folder beside it."""
    out = tmp_path_factory.mktemp("browser") / "demo"
    result = run_demo(out, voters=100, workers=1)
    app, service = open_app(
        result.db, admin_token=DEMO_TOKEN, board_key=out / "private" / "board.key"
    )
    with running_server(app, "127.0.0.1", free_port()) as url:
        yield url, result
    service.board.close()


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[str, CastingService, str]]:
    """A board open for voting (day 1, a makeshift station) with a booth run by the server."""
    manifest = load_manifest(SEED)
    board = MemoryBoard()
    publish_test_election(board, manifest, 40)
    loc = next(x for x in manifest.locations if x.kind is LocationKind.MAKESHIFT_STATION)
    clock = SimulatedClock(manifest.open_spans(loc)[0][0].replace(hour=10))
    service = CastingService(board, SigningKey.generate(), clock)
    app = create_app(service, admin_token=TOKEN, demo_clock=clock)
    app.state.stations.create(service, "booth-1", loc.id)
    with running_server(app, "127.0.0.1", free_port()) as url:
        yield url, service, loc.region_id


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


class Console:
    """Every console error and uncaught page error of a page."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def forgive_status(self, since: int, status: int) -> None:
        """Drop the message Chromium logs for a document answered with an expected error
        status (the sign-in page is a 401 until the token is given)."""
        kept = [e for e in self.errors[since:] if f"status of {status}" not in e]
        self.errors[since:] = kept


def _tab_to(page: Any, selector: str, limit: int = 40) -> None:
    """Press Tab until ``selector`` has the focus (the keyboard's own focus order)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def _sign_in(page: Any, url: str, console: Console) -> None:
    since = len(console.errors)
    page.goto(f"{url}/officials?lang=en")
    console.forgive_status(since, 401)
    page.fill("#token", TOKEN)
    page.press("#token", "Enter")
    page.wait_for_url(f"{url}/officials")


def _check_in_by_keyboard(station: Any, voter: str) -> None:
    _tab_to(station, "#voter")
    station.keyboard.type(voter)
    _tab_to(station, "#vlang")
    station.keyboard.press("Home")  # uk is first
    _tab_to(station, "form button[type=submit]")
    station.keyboard.press("Enter")
    station.wait_for_selector("#checked-in")


def test_voter_challenges_casts_and_checks_by_keyboard(
    browser: Any, live: tuple[str, CastingService, str], shots: Path
) -> None:
    url, service, region = live
    # The official's screen and the booth terminal are two browsers (two contexts: no
    # cookie shared); the terminal is paired with the code the station page shows.
    desk = browser.new_context()
    station = desk.new_page()
    desk_console = Console(station)
    _sign_in(station, url, desk_console)
    station.goto(f"{url}/station/booth-1?lang=uk")
    _shoot(station, shots, "station-uk")
    pairing = station.inner_text("#pairing-code")
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    console = Console(page)
    page.goto(f"{url}/kiosk/booth-1?lang=uk")
    _tab_to(page, "#code")
    page.keyboard.type(pairing)
    page.keyboard.press("Enter")
    page.wait_for_selector("#kiosk-waiting")
    _shoot(page, shots, "kiosk-waiting-uk")

    voter, next_voter = service.voters_without_ballot(region, 2)
    _check_in_by_keyboard(station, voter)
    page.wait_for_url("**/booth/**")
    booth_url = page.url
    assert page.locator("html").get_attribute("lang") == "uk"
    _shoot(page, shots, "booth-choose-uk")

    # First ballot: "No", then challenge it.
    _tab_to(page, "input[type=radio]")
    page.keyboard.press("Space")  # the first option: Так
    page.keyboard.press("ArrowDown")  # the second: Ні
    assert page.is_checked("input[value=no]")
    _tab_to(page, "#review")
    page.keyboard.press("Enter")
    page.wait_for_selector("#seal")
    assert "Ні" in page.inner_text(".chosen")
    _shoot(page, shots, "booth-review-uk")
    _tab_to(page, "#seal")
    page.keyboard.press("Enter")
    page.wait_for_selector("#tracking-code")
    challenged_code = "".join(page.inner_text("#tracking-code").split())
    assert len(challenged_code) == 64
    _shoot(page, shots, "booth-code-uk")
    _tab_to(page, "#challenge")
    page.keyboard.press("Enter")
    page.wait_for_selector("#opened")
    assert page.inner_text("#recorded-1") == "Ні"  # this device recorded: no
    _shoot(page, shots, "booth-challenged-uk")

    # A fresh ballot: "Yes", cast.
    _tab_to(page, "#again")
    page.keyboard.press("Enter")
    page.wait_for_selector("#review")
    assert not page.is_checked("input[value=no]")
    _tab_to(page, "input[type=radio]")
    page.keyboard.press("Space")
    _tab_to(page, "#review")
    page.keyboard.press("Enter")
    page.wait_for_selector("#seal")
    _tab_to(page, "#seal")
    page.keyboard.press("Enter")
    page.wait_for_selector("#cast")
    cast_code = "".join(page.inner_text("#tracking-code").split())
    assert cast_code != challenged_code
    _tab_to(page, "#cast")
    page.keyboard.press("Enter")
    page.wait_for_selector("#done")
    _shoot(page, shots, "booth-done-uk")
    assert service.ballots[cast_code].kind == "cast"
    assert service.ballots[challenged_code].kind == "challenged"
    assert page.locator("#next-voter").count() == 1

    # The receipt, checked by following the link, then the challenged one typed in.
    _tab_to(page, "#check-link")
    page.keyboard.press("Enter")
    page.wait_for_selector("#found-h")
    assert "Врахований" in page.inner_text("#found-h")
    _shoot(page, shots, "receipt-counted-uk")
    page.goto(f"{url}/receipt?lang=en")
    _tab_to(page, "#code")
    page.keyboard.type(" ".join(challenged_code[i : i + 8] for i in range(0, 64, 8)))
    page.keyboard.press("Enter")
    page.wait_for_selector("#found-h")
    assert "Challenged" in page.inner_text("#found-h")
    assert "No" in page.inner_text(".result ul")
    _shoot(page, shots, "receipt-challenged-en")

    # The terminal waits; the next voter is checked in at the desk and comes to the booth.
    page.goto(f"{url}/kiosk/booth-1")
    page.wait_for_selector("#kiosk-waiting")
    _check_in_by_keyboard(station, next_voter)
    page.wait_for_url("**/booth/**", timeout=15000)
    assert page.url != booth_url
    _shoot(page, shots, "kiosk-next-voter-uk")

    # From the terminal's browser: no officials' page, no station page, no check-in, not
    # the last voter's booth. Nothing reaches the board.
    size = service.board.size()
    since = len(console.errors)
    for path, status in (
        ("/officials", 401),
        ("/station/booth-1", 401),
        (booth_url.removeprefix(url), 404),
    ):
        answer = page.goto(f"{url}{path}")
        assert answer is not None and answer.status == status, path
        assert page.locator("#voter").count() == 0 and page.locator("#dev-h").count() == 0
    posted = context.request.post(
        f"{url}/station/booth-1/check-in",
        form={"voter": service.voters_without_ballot(region, 3)[-1], "lang": "uk"},
        headers={"Origin": url},
    )
    assert posted.status == 401
    assert service.board.size() == size
    console.forgive_status(since, 401)
    console.forgive_status(since, 404)
    desk.close()
    assert console.errors == []
    context.close()


def test_results_page_shows_the_demo_numbers(
    browser: Any, demo: tuple[str, Any], shots: Path
) -> None:
    url, result = demo
    page = browser.new_page()
    page.goto(f"{url}/results?lang=en")
    for region in result.results["regions"]:
        for option, votes in region["questions"][0]["options"].items():
            cell = page.locator(f'td[data-region="{region["region"]}"][data-option="{option}"]')
            assert cell.inner_text() == str(votes)
    summary = json.loads((result.record / "results.json").read_text())
    assert page.inner_text("#d-counted") == str(summary["ballots"]["counted"])
    charted = sum(
        1
        for region in result.results["regions"]
        for level in ("channel", "day")
        if any(c["level"] == level for c in region["cells"])
    )
    # A small demo may merge every channel and day cell away: then no chart, and the page
    # says why instead.
    assert page.locator("svg.chart").count() == charted
    if charted == 0:
        assert "small-cell" in page.inner_text("main")
    page.close()


def _pages(demo_url: str, live_url: str, code: str) -> list[tuple[str, str, bool]]:
    """(name, url, signed in) of every page."""
    return [
        ("home", f"{demo_url}/", False),
        ("receipt", f"{demo_url}/receipt", False),
        ("receipt-found", f"{demo_url}/receipt?code={code}", False),
        ("board", f"{demo_url}/board", False),
        ("results", f"{demo_url}/results", False),
        ("legitimacy", f"{demo_url}/legitimacy", False),
        ("forensics", f"{demo_url}/forensics", False),
        ("login", f"{demo_url}/officials", False),
        ("officials", f"{live_url}/officials", True),
        ("protocol", f"{live_url}/officials/protocol?pair=dn-0101|dn-q1", True),
        ("station", f"{live_url}/station/booth-1", True),
        ("station-login", f"{live_url}/station/login", False),
        ("kiosk-pair", f"{live_url}/kiosk/booth-1", False),
    ]


def test_every_page_in_every_language_renders_cleanly(
    browser: Any,
    demo: tuple[str, Any],
    live: tuple[str, CastingService, str],
    shots: Path,
) -> None:
    if not AXE.exists():
        pytest.skip(f"axe-core is missing at {AXE} (make setup installs it with npm)")
    demo_url, result = demo
    live_url = live[0]
    axe = AXE.read_text(encoding="utf-8")
    code = json.loads((result.out / "receipts.jsonl").read_text().splitlines()[0])["tracking_code"]
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    console = Console(page)
    _sign_in(page, live_url, console)
    problems: list[str] = []
    for lang in LANGS:
        for name, address, _signed in _pages(demo_url, live_url, code):
            sep = "&" if "?" in address else "?"
            since = len(console.errors)
            response = page.goto(f"{address}{sep}lang={lang}")
            assert response is not None
            expected = 401 if name == "login" else 200
            if expected != 200:
                console.forgive_status(since, expected)
            assert response.status == expected, (name, lang, response.status)
            assert page.locator("html").get_attribute("lang") == lang
            if name == "protocol":
                page.fill("#line-voters_on_list", "10")
                page.wait_for_selector("#relations li")
            _shoot(page, shots, f"{name}-{lang}")
            page.evaluate(axe)
            found = page.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']}))"
                ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
                " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
            )
            for v in found:
                if v["impact"] in ("serious", "critical"):
                    problems.append(f"{name} [{lang}] {v['id']} ({v['impact']}): {v['nodes']}")
    assert console.errors == [], console.errors
    assert problems == [], "\n".join(problems)
    context.close()


_CLIPPED = """() => {
  const out = [];
  for (const svg of document.querySelectorAll("svg.chart")) {
    const box = svg.viewBox.baseVal;
    const scale = svg.getScreenCTM().a;  // viewBox units to CSS pixels
    for (const t of svg.querySelectorAll("text")) {
      const b = t.getBBox();
      if (b.x < -0.5 || b.x + b.width > box.width + 0.5) out.push(t.textContent);
      const px = parseFloat(getComputedStyle(t).fontSize) * scale;
      if (px < 12) out.push(`${t.textContent} shows at ${px.toFixed(1)}px`);
    }
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push("page overflows");
  return out;
}"""

#: Text that runs out of the screen or is cut by its box, on any page. Wide tables scroll in
#: their own box (``.scroll``) by design; the skip link waits off-screen until focused.
_CUT_TEXT = """() => {
  const out = [];
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth > width + 1) out.push("the page scrolls sideways");
  for (const el of document.querySelectorAll("body *")) {
    if (el.closest(".scroll, .skip, svg, script, style")) continue;
    const s = getComputedStyle(el);
    if (s.display === "none" || s.visibility === "hidden") continue;
    const r = el.getBoundingClientRect();
    const text = (el.textContent || "").trim().slice(0, 50);
    const outside = r.right > width + 1 || r.left < -1;
    if (r.width && outside) out.push(`${el.tagName} runs out: ${text}`);
    const clips = ["hidden", "clip"].includes(s.overflowX) || s.textOverflow === "ellipsis";
    if (clips && el.scrollWidth > el.clientWidth + 1) out.push(`${el.tagName} is cut: ${text}`);
  }
  return out;
}"""
PAGES = ("/", "/receipt", "/board", "/results", "/legitimacy", "/forensics", "/codes", "/officials")


@pytest.mark.parametrize("width", [390, 1280])
def test_results_charts_fit_a_phone_and_a_desktop(
    browser: Any, demo: tuple[str, Any], shots: Path, width: int
) -> None:
    """No chart label runs out of its chart, in any language, and the page never scrolls
    sideways; the screenshots are kept for a look."""
    url, _ = demo
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for lang in LANGS:
        page.goto(f"{url}/results?lang={lang}")
        assert page.evaluate(_CLIPPED) == [], (lang, width)
        _shoot(page, shots, f"results-{lang}-{width}")
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_no_page_cuts_its_text_on_a_phone_or_a_desktop(
    browser: Any, demo: tuple[str, Any], shots: Path, width: int
) -> None:
    """Every public page (and the officials' sign-in) in every language: nothing runs off the
    screen or is cut by its box; screenshots of each are kept."""
    url, _ = demo
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    problems = []
    for path in PAGES:
        for lang in LANGS:
            page.goto(f"{url}{path}?lang={lang}")
            problems += [f"{path} [{lang}] {p}" for p in page.evaluate(_CUT_TEXT)]
            name = path.strip("/") or "home"
            _shoot(page, shots, f"page-{name}-{lang}-{width}")
    context.close()
    assert problems == [], "\n".join(problems)


def test_the_cut_text_checks_find_what_they_look_for(browser: Any) -> None:
    """The two checks above, against a page built to fail them: a label past its chart's
    edge, a chart label too small to read, a box that cuts its text, a line off the screen."""
    page = browser.new_page(viewport={"width": 390, "height": 600})
    page.set_content(
        '<svg class="chart" viewBox="0 0 400 60" style="width:200px">'
        '<text x="380" y="20" style="font-size:15px">runs past the edge</text></svg>'
        '<p style="width:80px;overflow:hidden;white-space:nowrap">a box too narrow for this</p>'
        '<p style="position:relative;left:300px;white-space:nowrap">a line off the screen</p>'
    )
    charts = page.evaluate(_CLIPPED)
    assert "runs past the edge" in charts and any("shows at 7.5px" in p for p in charts)
    cut = page.evaluate(_CUT_TEXT)
    assert any(p.startswith("P is cut: a box too narrow") for p in cut), cut
    assert any(p.startswith("P runs out: a line off the screen") for p in cut), cut
    page.close()

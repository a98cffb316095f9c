"""What ``benchmarks/load.py`` runs through locust against the portal.

Searchers (the users locust spreads over ``WebSearcher`` and
``ApiSearcher``) act in turn as an anonymous visitor and as the demo users
(of no organisation, and of each of the four organisations): the web ones
log in through the login form and browse the /dataset pages, the API ones
send ``package_search`` with an API token. Each runs the query shapes of
``benchmarks/search.py`` (the landing page, free text, q + fq + facets,
sorted by metadata_modified, deep paging) plus a map search (ext_bbox), a
P-code roll-up filter and dataset pages. Publishers (``LOAD_PUBLISHERS`` of
them, two organisation editors) create datasets with a CSV upload, change
them, upload new versions of their files and delete some, through the API.

``LOAD_SETUP`` names the JSON load.py writes (tokens, passwords, dataset
names, P-codes); at the end, the status codes per endpoint, samples of the
failures and the publishers' counts are written to ``LOAD_STATUS``.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import uuid
from collections import Counter, defaultdict
from pathlib import Path

from locust import HttpUser, between, events, task

SETUP = json.loads(Path(os.environ["LOAD_SETUP"]).read_text())
WORDS = (
    "displacement casualties contamination hazardous survey clearance landmine ordnance education health "
    "nutrition shelter water sanitation protection camp assessment monitoring distribution cash food "
    "security market incident victim assistance risk awareness township district village household "
    "population returnee refugee community school clinic road flood drought cholera Kachin Shan Rakhine "
    "Sagaing Magway Mandalay Yangon Myitkyina Bhamo Lashio Sittwe"
).split()
ORGANIZATIONS = ["nmaa", "ocha", "demining-action-group", "community-health-network"]
FORMATS = ["CSV", "XLSX", "JSON", "GeoJSON", "PDF"]
FACETS = ["organization", "groups", "tags", "res_format", "license_id", "vocab_pcode_adm1"]
#: Myanmar's extent (lon, lat), where the map searches draw their boxes
EXTENT = (92.2, 9.8, 101.2, 28.5)

STATUS: dict[str, Counter] = defaultdict(Counter)
SAMPLES: list[dict] = []
WRITES = Counter()
_searchers: dict[str, itertools.count] = defaultdict(itertools.count)
_publishers = itertools.count()


@events.request.add_listener
def _record(name, response=None, exception=None, **kw):
    code = getattr(response, "status_code", 0) or 0
    STATUS[name][str(code)] += 1
    if (exception or code >= 500) and len(SAMPLES) < 50:
        url = getattr(response, "url", "") or ""
        body = (getattr(response, "text", "") or "")[:300] if code >= 500 or code == 0 else ""
        SAMPLES.append({"name": name, "status": code, "url": url, "error": str(exception)[:300], "body": body})


@events.quitting.add_listener
def _write(environment, **kw):
    total = Counter()
    for counts in STATUS.values():
        total.update(counts)
    failures = sum(s.num_failures for s in environment.stats.entries.values())
    five = sum(n for code, n in total.items() if code.startswith("5"))
    Path(os.environ["LOAD_STATUS"]).write_text(
        json.dumps(
            {
                "status_5xx": five,
                "connection_errors": total.get("0", 0),
                "other_failures": failures - five - total.get("0", 0),
                "status_codes": dict(sorted(total.items())),
                "status_by_endpoint": {name: dict(sorted(c.items())) for name, c in sorted(STATUS.items())},
                "publisher_writes": WRITES["ok"],
                "publisher_failures": WRITES["failed"],
                "failure_samples": SAMPLES,
            },
            indent=2,
        )
    )


def words(rnd: random.Random, n: int) -> str:
    return " ".join(rnd.choice(WORDS) for _ in range(n))


def bbox(rnd: random.Random) -> str:
    w, h = rnd.uniform(1, 5), rnd.uniform(1, 6)
    x, y = rnd.uniform(EXTENT[0], EXTENT[2] - w), rnd.uniform(EXTENT[1], EXTENT[3] - h)
    return f"{x:.2f},{y:.2f},{x + w:.2f},{y + h:.2f}"


class Searcher(HttpUser):
    abstract = True
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.rnd = random.Random()
        self.user = SETUP["searchers"][next(_searchers[type(self).__name__]) % len(SETUP["searchers"])]
        self.who = self.user or "anonymous"

    def get(self, path: str, name: str, params: dict, allowed=(200,)) -> dict | None:
        with self.client.get(path, params=params, name=name, catch_response=True, headers=self.headers()) as resp:
            if resp.status_code not in allowed:
                resp.failure(f"{resp.status_code} as {self.who}")
                return None
            resp.success()
            return resp

    def headers(self) -> dict:
        return {}


class WebSearcher(Searcher):
    """The /dataset pages in a browser's session (logged in through the form)."""

    weight = 1

    def on_start(self) -> None:
        super().on_start()
        if not self.user:
            return
        form = self.client.get("/user/login", name="web: login form")
        token = re.search(r'name="_csrf_token"[^>]*value="([^"]+)"', form.text) or re.search(
            r'value="([^"]+)"[^>]*name="_csrf_token"', form.text
        )
        data = {"login": self.user, "password": SETUP["passwords"][self.user]}
        if token:
            data["_csrf_token"] = token.group(1)
        with self.client.post("/user/login", data=data, name="web: log in", catch_response=True) as resp:
            if resp.status_code != 200 or "/user/login" in resp.url:
                resp.failure(f"{self.user} could not log in ({resp.status_code}, {resp.url})")

    def page(self, name: str, **params) -> None:
        self.get("/dataset/", f"web: {name}", params)

    @task(4)
    def landing(self) -> None:
        self.page("landing page")

    @task(4)
    def free_text(self) -> None:
        self.page("free text", q=words(self.rnd, self.rnd.randint(1, 3)))

    @task(3)
    def filtered(self) -> None:
        self.page(
            "q + fq + facets",
            q=words(self.rnd, 1),
            organization=self.rnd.choice(ORGANIZATIONS),
            res_format=self.rnd.choice(FORMATS),
        )

    @task(2)
    def by_modified(self) -> None:
        self.page(
            "sorted by metadata_modified", sort="metadata_modified desc", organization=self.rnd.choice(ORGANIZATIONS)
        )

    @task(2)
    def deep(self) -> None:
        self.page("deep paging", page=self.rnd.randint(max(1, SETUP["pages"] // 2), SETUP["pages"]))

    @task(2)
    def map_search(self) -> None:
        self.page("ext_bbox", ext_bbox=bbox(self.rnd))

    @task(2)
    def place(self) -> None:
        self.page("P-code filter", pcodes=self.rnd.choice(SETUP["pcodes"]))

    @task(3)
    def dataset(self) -> None:
        # a gated or private dataset may be refused to this user: 403/404 are answers, not failures
        name = self.rnd.choice(SETUP["datasets"])
        self.get(f"/dataset/{name}", "web: dataset page", {}, allowed=(200, 403, 404))


class ApiSearcher(Searcher):
    """package_search and package_show through the API (with an API token when logged in)."""

    weight = 1

    def headers(self) -> dict:
        return {"Authorization": SETUP["tokens"][self.user]} if self.user else {}

    def search(self, name: str, **params) -> None:
        if "facet.field" in params:
            params["facet.field"] = json.dumps(params["facet.field"])
        resp = self.get("/api/3/action/package_search", f"api: {name}", {"rows": 20, **params})
        if resp is not None and not resp.json().get("success"):
            resp.failure("success is false")

    @task(4)
    def landing(self) -> None:
        self.search("landing page", q="*:*", **{"facet.field": FACETS})

    @task(4)
    def free_text(self) -> None:
        self.search("free text", q=words(self.rnd, self.rnd.randint(1, 3)))

    @task(3)
    def filtered(self) -> None:
        self.search(
            "q + fq + facets",
            q=words(self.rnd, 1),
            fq=f"organization:{self.rnd.choice(ORGANIZATIONS)} AND res_format:{self.rnd.choice(FORMATS)}",
            **{"facet.field": FACETS},
        )

    @task(2)
    def by_modified(self) -> None:
        self.search(
            "sorted by metadata_modified",
            fq=f"organization:{self.rnd.choice(ORGANIZATIONS)}",
            sort="metadata_modified desc",
            **{"facet.field": FACETS},
        )

    @task(2)
    def deep(self) -> None:
        top = SETUP["pages"] * 20
        self.search("deep paging", q="*:*", sort="metadata_modified desc", start=self.rnd.randint(top // 2, top))

    @task(2)
    def map_search(self) -> None:
        self.search("ext_bbox", ext_bbox=bbox(self.rnd))

    @task(2)
    def place(self) -> None:
        self.search("P-code filter", fq=f"pcodes:{self.rnd.choice(SETUP['pcodes'])}", **{"facet.field": FACETS})

    @task(3)
    def dataset(self) -> None:
        name = self.rnd.choice(SETUP["datasets"])
        self.get("/api/3/action/package_show", "api: package_show", {"id": name}, allowed=(200, 403, 404))


def csv_file(rnd: random.Random) -> bytes:
    """A small HXL-tagged CSV (the jobs worker profiles it)."""
    rows = ["Township P-code,Township,Households,Individuals", "#adm3+code,#adm3+name,#affected+hh,#affected+ind"]
    for _ in range(rnd.randint(20, 200)):
        code = rnd.choice(SETUP["pcodes"])
        hh = rnd.randint(1, 900)
        rows.append(f"{code},{rnd.choice(WORDS).title()},{hh},{hh * rnd.randint(3, 6)}")
    return ("\n".join(rows) + "\n").encode()


class Publisher(HttpUser):
    """An organisation editor publishing through the API."""

    fixed_count = int(os.environ.get("LOAD_PUBLISHERS", "2"))
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.rnd = random.Random()
        self.user, self.org = SETUP["publishers"][next(_publishers) % len(SETUP["publishers"])]
        self.own: list[dict] = []

    def action(self, action: str, label: str | None = None, files=None, **data) -> dict | None:
        headers = {"Authorization": SETUP["tokens"][self.user]}
        kw = {"files": files, "data": data} if files else {"json": data}
        with self.client.post(
            f"/api/3/action/{action}", name=label or f"api: {action}", headers=headers, catch_response=True, **kw
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"{resp.status_code}: {resp.text[:300]}")
                WRITES["failed"] += 1
                return None
            WRITES["ok"] += 1
            return resp.json()["result"]

    def upload(self) -> tuple:
        name = f"{self.rnd.choice(WORDS)}-{uuid.uuid4().hex[:6]}.csv"
        return {"upload": (name, csv_file(self.rnd), "text/csv")}

    @task(3)
    def create(self) -> None:
        level = self.rnd.choice(["public", "public", "restricted"])
        data = {
            "name": f"load-{SETUP['backend']}-{uuid.uuid4().hex[:12]}",
            "title": f"{words(self.rnd, 2).title()} {self.rnd.choice(WORDS)} (load)",
            "notes": words(self.rnd, 30),
            "owner_org": self.org,
            "type": "dataset",
            "sensitivity": level,
            "source": f"{self.rnd.choice(WORDS).title()} cluster",
            "sectors": self.rnd.sample(["health", "wash", "shelter", "protection", "mine_action"], 2),
            "pcodes": self.rnd.sample(SETUP["pcodes"], 2),
            "data_type": "needs_assessment",
            "update_frequency": "monthly",
            "methodology": "registry",
            "license_id": "cc-by-igo",
            "tags": [{"name": self.rnd.choice(WORDS).lower()}],
        }
        if level == "restricted":
            data["sensitivity_assessment"] = ["precise_locations"]
        pkg = self.action("package_create", **data)
        if pkg is None:
            return
        res = self.action(
            "resource_create",
            "api: resource_create (upload)",
            files=self.upload(),
            package_id=pkg["id"],
            name="Households by township",
            format="CSV",
        )
        if res is not None:
            self.own.append({"id": pkg["id"], "resource": res["id"]})

    @task(4)
    def update(self) -> None:
        if self.own:
            pkg = self.rnd.choice(self.own)
            self.action(
                "package_patch", id=pkg["id"], notes=words(self.rnd, 40), title=f"{words(self.rnd, 3).title()} (load)"
            )

    @task(2)
    def new_version(self) -> None:
        if self.own:
            pkg = self.rnd.choice(self.own)
            self.action("resource_patch", "api: resource_patch (upload)", files=self.upload(), id=pkg["resource"])

    @task(1)
    def delete(self) -> None:
        if len(self.own) > 3:
            pkg = self.own.pop(self.rnd.randrange(len(self.own)))
            self.action("package_delete", id=pkg["id"])

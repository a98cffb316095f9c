"""The datasets of the search benchmark: a realistic humanitarian catalogue.

Free-text selectivity decides what a text search costs, so the words follow
the distribution of real text: a vocabulary of about 6,000 words (sector and
humanitarian terms first, then place names, then invented rare words) drawn
with Zipf's law (the word of rank r weighs 1 / r^1.07). Titles have the shape
of real humanitarian dataset titles::

    Myanmar - Kachin - IDP sites (CCCM) - 2025
    Myanmar - Sagaing - Explosive ordnance incidents - January 2024

Each dataset has an organisation (40, with a skewed share), 0-3 groups,
1-6 tags from a pool of 800 (Zipf), sectors, a source, a data type, a
sensitivity level (mostly public), 1-3 places (P-codes of the benchmark's
gazetteer, which has boundaries, so that bounding-box searches find
datasets), and 1-5 resources with formats. They are written straight into
CKAN's tables (the documented fast path: what is measured is indexing and
search, not ``package_create``).
"""

from __future__ import annotations

import itertools
import json
import random
import uuid
from datetime import datetime, timedelta
from pathlib import Path

COUNTRY = ("MMR", "Myanmar")
STATES = (
    "Kachin Kayah Kayin Chin Sagaing Tanintharyi Bago Magway Mandalay Mon Rakhine Yangon Shan Ayeyarwady Naypyitaw"
).split()
SYLLABLES = "ka kin wa maw la shi hpa an myit kyi na bo tha ta gon yan mon sit twe ha kha ban lo pa sa ri mu".split()
TOPICS = [
    ("IDP sites", "cccm"),
    ("Camp population", "cccm"),
    ("Who does What Where (3W)", None),
    ("Health facilities", "health"),
    ("Cholera cases", "health"),
    ("Vaccination coverage", "health"),
    ("Schools", "education"),
    ("Out-of-school children", "education"),
    ("Explosive ordnance incidents", "mine_action"),
    ("Landmine contamination", "mine_action"),
    ("Hazardous areas", "mine_action"),
    ("Risk education sessions", "mine_action"),
    ("Victim assistance", "mine_action"),
    ("Food security assessment", "food_security"),
    ("Market prices", "food_security"),
    ("Cash distributions", "cash"),
    ("Nutrition survey (SMART)", "nutrition"),
    ("Malnutrition admissions", "nutrition"),
    ("Protection monitoring", "protection"),
    ("Gender-based violence referrals", "protection"),
    ("Shelter and NFI distributions", "shelter"),
    ("Damaged houses", "shelter"),
    ("Water points", "wash"),
    ("Latrine coverage", "wash"),
    ("Flood extent", "logistics"),
    ("Road access constraints", "logistics"),
    ("Humanitarian access incidents", "protection"),
    ("Population figures", None),
    ("Baseline population", None),
    ("Administrative boundaries", None),
]
SECTORS = "cccm education food_security health logistics nutrition protection shelter wash mine_action cash".split()
COMMON = (
    "data dataset the of and in for by on with from to at as assessment survey monitoring site sites camp "
    "population household households district township village state region area areas displaced idp idps "
    "returnee returnees refugee refugees host community communities health education school schools clinic "
    "facility facilities water sanitation hygiene protection shelter nutrition food security livelihoods "
    "market price prices cash distribution distributions incident incidents casualties casualty victim "
    "victims mine landmine ordnance explosive contamination clearance hazardous risk awareness access road "
    "roads flood floods drought cholera vaccination malnutrition referral gender violence child children "
    "disability operator task completion partner partners cluster clusters response plan needs severity "
    "indicator indicators monthly weekly quarterly annual report reports dashboard figures number total "
    "people persons women men girls boys elderly age sex disaggregated baseline target reached covered "
    "coverage gap gaps location locations coordinates boundary boundaries polygon point record records list "
    "registered registration verified unverified estimated reported collected round rounds"
).split()


def _vocabulary(rnd: random.Random) -> list[str]:
    words = list(dict.fromkeys(COMMON + [s.lower() for s in STATES]))
    seen = set(words)
    while len(words) < 6000:
        w = "".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


class Vocabulary:
    """Words drawn with Zipf's law (s = 1.07)."""

    def __init__(self, seed: int = 3):
        rnd = random.Random(seed)
        self.words = _vocabulary(rnd)
        self.cum = list(itertools.accumulate(1 / (r + 1) ** 1.07 for r in range(len(self.words))))

    def sample(self, rnd: random.Random, k: int) -> list[str]:
        return rnd.choices(self.words, cum_weights=self.cum, k=k)


def gazetteer(path: Path, seed: int = 5) -> dict[str, list[str]]:
    """A COD-AB GeoJSON: the country, 15 states with boundaries (squares on
    a 5 x 3 grid), 6 districts each (boundaries) and 10 townships in each
    district (no boundaries: they take their district's). Returns the codes
    by level (``adm1``, ``adm2``, ``adm3``) and the state names."""
    rnd = random.Random(seed)
    features = []
    codes: dict[str, list[str]] = {"adm1": [], "adm2": [], "adm3": [], "names": list(STATES)}

    def square(x: float, y: float, size: float) -> dict:
        ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
        return {"type": "Polygon", "coordinates": [ring]}

    for a1, state in enumerate(STATES, 1):
        code1 = f"{COUNTRY[0]}{a1:03d}"
        x, y = 92 + 2 * ((a1 - 1) % 5), 10 + 2 * ((a1 - 1) // 5)
        base = {"adm0_pcode": COUNTRY[0], "adm0_name": COUNTRY[1], "adm1_pcode": code1, "adm1_name": state}
        features.append({"type": "Feature", "properties": base, "geometry": square(x, y, 2)})
        codes["adm1"].append(code1)
        for a2 in range(1, 7):
            code2 = f"{code1}{a2:03d}"
            name2 = "".join(rnd.choice(SYLLABLES) for _ in range(3)).capitalize()
            props2 = {**base, "adm2_pcode": code2, "adm2_name": f"{name2} District"}
            dx, dy = (a2 - 1) % 3 * 0.66, (a2 - 1) // 3 * 1.0
            features.append({"type": "Feature", "properties": props2, "geometry": square(x + dx, y + dy, 0.66)})
            codes["adm2"].append(code2)
            for a3 in range(1, 11):
                code3 = f"{code2}{a3:03d}"
                name3 = "".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 3))).capitalize()
                props3 = {**props2, "adm3_pcode": code3, "adm3_name": name3}
                features.append({"type": "Feature", "properties": props3, "geometry": None})
                codes["adm3"].append(code3)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return codes


#: the columns of CKAN's tables that the generators fill, by table
COLUMNS = {
    "package": "id, name, title, notes, state, license_id, type, owner_org, private, "
    "metadata_created, metadata_modified, creator_user_id, maintainer",
    "package_tag": "id, state, package_id, tag_id",
    "member": "id, group_id, table_id, state, table_name, capacity",
    "resource": "id, package_id, url, format, name, description, position, state, created, url_type",
    "package_extra": "id, package_id, key, value, state",
}


class Rows:
    """Datasets' rows for CKAN's tables (``COLUMNS``), written by ``flush``
    with ``size`` rows a statement: the benchmarks' fast path."""

    def __init__(self, conn, size: int) -> None:
        self.conn, self.cur, self.size = conn, conn.cursor(), size
        self.batch: dict[str, list[tuple]] = {k: [] for k in COLUMNS}

    def tags(self, tag_ids: dict[str, str]) -> None:
        """The tags (name -> id), written at once."""
        from psycopg2.extras import execute_values

        execute_values(self.cur, "INSERT INTO tag (id, name) VALUES %s", [(i, t) for t, i in tag_ids.items()])

    def package(self, pid: str, name: str, title: str, notes: str, license_id: str, owner_org: str, *rest) -> None:
        """An active dataset; ``rest``: private, created, modified, creator's id, maintainer."""
        self.batch["package"].append((pid, name, title, notes, "active", license_id, "dataset", owner_org, *rest))

    def links(self, pid: str, tags, tag_ids: dict[str, str], groups) -> None:
        """The dataset ``pid`` tagged with ``tags``, a public member of ``groups``."""
        for t in tags:
            self.batch["package_tag"].append((str(uuid.uuid4()), "active", pid, tag_ids[t]))
        for g in groups:
            self.batch["member"].append((str(uuid.uuid4()), g, pid, "active", "package", "public"))

    def resource(self, pid: str, position: int, fmt: str, name: str, description: str, created: datetime) -> None:
        """A link resource of the dataset ``pid``."""
        url = f"https://data.example.org/{pid}/{position}.{fmt.lower()}"
        row = (str(uuid.uuid4()), pid, url, fmt, name, description, position, "active", created, "")
        self.batch["resource"].append(row)

    def extras(self, pid: str, extras: dict[str, str]) -> None:
        for key, value in extras.items():
            self.batch["package_extra"].append((str(uuid.uuid4()), pid, key, value, "active"))

    def flush(self, every: int = 0) -> None:
        """Write the rows, once ``every`` datasets (or more) wait."""
        from psycopg2.extras import execute_values

        if len(self.batch["package"]) < every:
            return
        for table, rows in self.batch.items():
            if rows:
                sql = f"INSERT INTO {table} ({COLUMNS[table]}) VALUES %s"
                execute_values(self.cur, sql, rows, page_size=self.size)
                rows.clear()
        self.conn.commit()

    def close(self) -> None:
        """Write what is left, analyse the tables, close the connection."""
        self.flush()
        self.cur.execute("ANALYZE")
        self.conn.commit()
        self.conn.close()


def generate(
    n: int,
    url: str,
    orgs: list[str],
    groups: list[str],
    creator: str,
    places: dict[str, list[str]],
    seed: int = 7,
) -> None:
    """Write n datasets into CKAN's tables."""
    import psycopg2

    rnd = random.Random(seed)
    vocab = Vocabulary()
    tag_pool = list(dict.fromkeys(" ".join(vocab.sample(rnd, rnd.randint(1, 2))) for _ in range(1200)))[:800]
    tag_ids = {t: str(uuid.uuid4()) for t in tag_pool}
    tag_cum = list(itertools.accumulate(1 / (r + 1) for r in range(len(tag_pool))))
    org_cum = list(itertools.accumulate(1 / (r + 1) ** 0.8 for r in range(len(orgs))))
    formats = ["CSV", "XLSX", "JSON", "GeoJSON", "PDF", "SHP", "KML", "ZIP"]
    format_cum = list(itertools.accumulate([30, 25, 8, 8, 15, 6, 3, 5]))
    licenses = ["cc-by", "cc-by-sa", "odc-odbl", "other-pd", "cc-nc", "notspecified"]
    levels = ["public"] * 80 + ["restricted"] * 15 + ["confidential"] * 5
    data_types = ["3w", "needs_assessment", "baseline", "indicators", "geodata", "casualty", "other"]
    months = "January February March April May June July August September October November December".split()
    state_of = dict(zip(places["adm1"], places["names"], strict=True))

    rows = Rows(psycopg2.connect(url), size=5000)
    rows.tags(tag_ids)
    start = datetime(2019, 1, 1)
    for i in range(n):
        pid = str(uuid.uuid4())
        topic, sector = rnd.choice(TOPICS)
        state = rnd.choice(places["adm1"])
        level = rnd.random()
        if level < 0.5:
            codes = sorted({state} | set(rnd.sample(places["adm1"], rnd.randint(0, 2))))
        elif level < 0.8:
            codes = sorted({c for c in rnd.sample(places["adm2"], rnd.randint(1, 3))})
        else:
            codes = sorted(set(rnd.sample(places["adm3"], rnd.randint(1, 3))))
        where = state_of.get(codes[0][:6], COUNTRY[1])
        year = 2019 + i % 7
        when = f"{rnd.choice(months)} {year}" if rnd.random() < 0.3 else str(year)
        title = f"{COUNTRY[1]} - {where} - {topic} - {when}"
        notes = " ".join(vocab.sample(rnd, rnd.randint(25, 120)))
        created = start + timedelta(minutes=i * 11 + rnd.randint(0, 10))
        modified = created + timedelta(days=rnd.randint(0, 400), seconds=rnd.randint(0, 86399))
        sectors = ({sector} if sector else set()) | set(rnd.sample(SECTORS, rnd.randint(0, 2)))
        sectors = sorted(sectors or {rnd.choice(SECTORS)})
        rows.package(
            pid,
            f"dataset-{i:07d}",
            title,
            notes,
            rnd.choice(licenses),
            rnd.choices(orgs, cum_weights=org_cum)[0],
            rnd.random() < 0.05,
            created,
            modified,
            creator,
            f"Information management officer {rnd.randint(1, 300)}",
        )
        chosen = set(rnd.choices(tag_pool, cum_weights=tag_cum, k=rnd.randint(1, 6)))
        rows.links(pid, chosen, tag_ids, rnd.sample(groups, rnd.randint(0, 3)))
        for r in range(rnd.randint(1, 5)):
            fmt = rnd.choices(formats, cum_weights=format_cum)[0]
            name = f"{topic} {where} {' '.join(vocab.sample(rnd, 2))}"
            rows.resource(pid, r, fmt, name, " ".join(vocab.sample(rnd, rnd.randint(5, 20))), created)
        extras = {
            "sectors": json.dumps(sectors),
            "source": f"{rnd.choice(STATES)} {rnd.choice(SECTORS).replace('_', ' ').title()} cluster",
            "pcodes": json.dumps(codes),
            "countries": json.dumps([COUNTRY[0]]),
            "data_type": rnd.choice(data_types),
            "sensitivity": rnd.choice(levels),
        }
        rows.extras(pid, extras)
        rows.flush(every=5000)
    rows.close()

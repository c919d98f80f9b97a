#!/usr/bin/env python3
"""Generate the INVENTED sample dataset (data/sample/) and check its 2035 key totals.

Usage:  python3 build.py [outdir]

Every country and figure here is invented.  Standard library only; all
arithmetic uses decimal.Decimal.
"""
import csv
import json
import os
import sys
from decimal import Decimal as D

YEARS = range(2024, 2037)
KEY_YEAR = 2035
MISSING_GDP = ("XWA", 2029)  # deliberately empty gdp cell

CATEGORIES = ["equipment", "personnel", "infrastructure", "other"]
FUNCTIONS = ["critical_infrastructure", "cyber_defence", "civil_preparedness",
             "innovation", "defence_industrial_base", "military_mobility",
             "border_security", "coast_guard"]
SOUTHERN = ["border_security", "coast_guard"]  # counted only under the "southern" reading
KINDS = ["ukraine_military_aid", "ukraine_non_military_aid", "pensions"]
TAGS = ["from_existing_stocks", "dual_use"]

COUNTRIES = [
    {"code": "XNA", "name": "Northland (fictional)", "member_from": 1949},
    {"code": "XSA", "name": "Southland (fictional)", "member_from": 1982},
    {"code": "XEA", "name": "Eastland (fictional)", "member_from": 2004},
    {"code": "XWA", "name": "Westland (fictional)", "member_from": 1999},
    {"code": "XCA", "name": "Centralia (fictional)", "member_from": 2030},
]

# GDP: value in 2035 and yearly step (linear): gdp(y) = g2035 - step * (2035 - y)
GDP = {"XNA": (200000, 4000), "XSA": (150000, 3000), "XEA": (50000, 1000),
       "XWA": (100000, 2000), "XCA": (40000, 800)}

# Items: (id suffix, amount in 2035, nato_category, function, kind, tags)
# amount(y) = amount_2035 * (y - 2015) / 20   -> 0.45x in 2024, 1x in 2035, 1.05x in 2036
ITEMS = {
    "XNA": [
        ("equipment", 2000, "equipment", "", "", ""),
        ("personnel", 2400, "personnel", "", "", ""),
        ("pensions", 600, "personnel", "", "pensions", ""),
        ("infrastructure", 800, "infrastructure", "", "", ""),
        ("rail-mobility", 400, "infrastructure", "military_mobility", "", "dual_use"),
        ("other", 1400, "other", "", "", ""),
        ("critical_infrastructure", 600, "", "critical_infrastructure", "", ""),
        ("cyber_defence", 500, "", "cyber_defence", "", ""),
        ("civil_preparedness", 400, "", "civil_preparedness", "", ""),
        ("innovation", 300, "", "innovation", "", ""),
        ("defence_industrial_base", 400, "", "defence_industrial_base", "", ""),
        ("military_mobility", 400, "", "military_mobility", "", ""),
        ("ukr-mil-fresh", 400, "", "", "ukraine_military_aid", ""),
        ("ukr-mil-stocks", 200, "", "", "ukraine_military_aid", "from_existing_stocks"),
        ("ukr-civil", 100, "", "", "ukraine_non_military_aid", ""),
    ],
    "XSA": [
        ("equipment", 1200, "equipment", "", "", ""),
        ("personnel", 2400, "personnel", "", "", ""),
        ("infrastructure", 450, "infrastructure", "", "", ""),
        ("other", 1500, "other", "", "", ""),
        ("critical_infrastructure", 300, "", "critical_infrastructure", "", ""),
        ("cyber_defence", 200, "", "cyber_defence", "", ""),
        ("civil_preparedness", 250, "", "civil_preparedness", "", ""),
        ("innovation", 100, "", "innovation", "", ""),
        ("defence_industrial_base", 200, "", "defence_industrial_base", "", ""),
        ("military_mobility", 300, "", "military_mobility", "", ""),
        ("border_security", 450, "", "border_security", "", ""),
        ("coast_guard", 300, "", "coast_guard", "", ""),
        ("ukr-civil", 150, "", "", "ukraine_non_military_aid", ""),
    ],
    "XEA": [
        ("equipment", 500, "equipment", "", "", ""),
        ("personnel", 600, "personnel", "", "", ""),
        ("infrastructure", 250, "infrastructure", "", "", ""),
        ("other", 400, "other", "", "", ""),
        ("critical_infrastructure", 300, "", "critical_infrastructure", "", "dual_use"),
        ("cyber_defence", 200, "", "cyber_defence", "", ""),
        ("civil_preparedness", 150, "", "civil_preparedness", "", ""),
        ("innovation", 100, "", "innovation", "", ""),
        ("defence_industrial_base", 150, "", "defence_industrial_base", "", ""),
        ("military_mobility", 100, "", "military_mobility", "", ""),
    ],
    "XWA": [
        ("equipment", 500, "equipment", "", "", ""),
        ("personnel", 1200, "personnel", "", "", ""),
        ("pensions", 300, "personnel", "", "pensions", ""),
        ("infrastructure", 200, "infrastructure", "", "", ""),
        ("other", 600, "other", "", "", ""),
        ("critical_infrastructure", 400, "", "critical_infrastructure", "", ""),
        ("cyber_defence", 300, "", "cyber_defence", "", ""),
        ("civil_preparedness", 300, "", "civil_preparedness", "", ""),
        ("innovation", 200, "", "innovation", "", ""),
        ("defence_industrial_base", 300, "", "defence_industrial_base", "", ""),
        ("ukr-mil-fresh", 200, "", "", "ukraine_military_aid", ""),
        ("ukr-mil-stocks", 300, "", "", "ukraine_military_aid", "from_existing_stocks"),
    ],
    "XCA": [
        ("equipment", 400, "equipment", "", "", ""),
        ("personnel", 600, "personnel", "", "", ""),
        ("infrastructure", 160, "infrastructure", "", "", ""),
        ("other", 320, "other", "", "", ""),
        ("critical_infrastructure", 160, "", "critical_infrastructure", "", ""),
        ("cyber_defence", 120, "", "cyber_defence", "", ""),
        ("civil_preparedness", 80, "", "civil_preparedness", "", ""),
        ("innovation", 40, "", "innovation", "", ""),
        ("defence_industrial_base", 80, "", "defence_industrial_base", "", ""),
    ],
}

# Hand-computed 2035 building blocks (see README.md); asserted against the files.
# code: (gdp, core_cat, ukr_fresh, ukr_stocks, ukr_nonmil,
#        named5, named5_dual_use, mobility, southern, core_and_function)
#   named5            = items with function in the five purposes the declaration names
#                       and no nato_category
#   named5_dual_use   = the part of named5 tagged dual_use
#   mobility          = function military_mobility, no nato_category
#   southern          = function border_security or coast_guard, no nato_category
#   core_and_function = items with both a nato_category and a function
BLOCKS_2035 = {
    "XNA": (200000, 7600, 400, 200, 100, 2200, 0, 400, 0, 400),
    "XSA": (150000, 5550, 0, 0, 150, 1050, 0, 300, 750, 0),
    "XEA": (50000, 1750, 0, 0, 0, 900, 300, 100, 0, 0),
    "XWA": (100000, 2800, 200, 300, 0, 1500, 0, 0, 0, 0),
    "XCA": (40000, 1480, 0, 0, 0, 480, 0, 0, 0, 0),
}

# Hand-computed 2035 results per reading: code -> (core, related before cap,
# related after cap, headline = core + related after cap)
#   A standard : core = core_cat + fresh Ukraine military aid;
#                related = named5 + 50% of mobility (as rules/hague-2025.pledge)
#   B southern : as A, but related = named5 + mobility + southern (100%)
#   C narrow   : as A, but related = named5 without dual_use items, no mobility
#   D no_ukr   : as A, but core = core_cat (Ukraine aid not counted anywhere)
#   E ukr_rel  : core = core_cat; related = A's related + all Ukraine military aid
EXPECTED_2035 = {
    "A": {"XNA": (8000, 2400, 2400, 10400), "XSA": (5550, 1200, 1200, 6750),
          "XEA": (1750, 950, 750, 2500), "XWA": (3000, 1500, 1500, 4500),
          "XCA": (1480, 480, 480, 1960)},
    "B": {"XNA": (8000, 2600, 2600, 10600), "XSA": (5550, 2100, 2100, 7650),
          "XEA": (1750, 1000, 750, 2500), "XWA": (3000, 1500, 1500, 4500),
          "XCA": (1480, 480, 480, 1960)},
    "C": {"XNA": (8000, 2200, 2200, 10200), "XSA": (5550, 1050, 1050, 6600),
          "XEA": (1750, 600, 600, 2350), "XWA": (3000, 1500, 1500, 4500),
          "XCA": (1480, 480, 480, 1960)},
    "D": {"XNA": (7600, 2400, 2400, 10000), "XSA": (5550, 1200, 1200, 6750),
          "XEA": (1750, 950, 750, 2500), "XWA": (2800, 1500, 1500, 4300),
          "XCA": (1480, 480, 480, 1960)},
    "E": {"XNA": (7600, 3000, 3000, 10600), "XSA": (5550, 1200, 1200, 6750),
          "XEA": (1750, 950, 750, 2500), "XWA": (2800, 2000, 1500, 4300),
          "XCA": (1480, 480, 480, 1960)},
}
NAMED5 = ["critical_infrastructure", "cyber_defence", "civil_preparedness",
          "innovation", "defence_industrial_base"]


def plain(d):
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    items, ind = [], []
    for c in COUNTRIES:
        code = c["code"]
        g35, step = GDP[code]
        for y in YEARS:
            gdp = D(g35) - D(step) * (KEY_YEAR - y)
            ind.append({"country": code, "year": y,
                        "gdp": "" if (code, y) == MISSING_GDP else plain(gdp)})
            for suffix, a35, cat, fn, kind, tags in ITEMS[code]:
                amount = D(a35) * (y - 2015) / 20
                items.append({"id": "%s-%d-%s" % (code, y, suffix), "country": code,
                              "year": y, "amount": plain(amount), "nato_category": cat,
                              "function": fn, "kind": kind, "tags": tags})

    manifest = {
        "name": "Sample pledge data (fictional)",
        "source": "Invented for demonstrations and tests; no real country or figure.",
        "edition": "fictional, 2024-2036",
        "money_unit": "EUR million (fictional)",
        "line_items": "line_items.csv",
        "indicators": "indicators.csv",
        "countries": COUNTRIES,
        "fields": [
            {"name": "nato_category", "type": "text", "values": CATEGORIES,
             "description": "NATO breakdown category of a core defence item (agreed NATO "
                            "definition). Empty for items outside core defence."},
            {"name": "function", "type": "text", "values": FUNCTIONS,
             "description": "Purpose within the broader defence- and security-related "
                            "category (Hague 2025, up to 1.5% of GDP). An item may have "
                            "both a nato_category and a function (possible double "
                            "counting)."},
            {"name": "kind", "type": "text", "values": KINDS,
             "description": "Special kinds: Ukraine military aid, Ukraine non-military "
                            "aid, pensions (pensions items are also personnel)."},
        ],
        "tags": TAGS,
        "indicator_series": [
            {"name": "gdp", "unit": "money",
             "description": "GDP (fictional). XWA 2029 is deliberately empty."},
        ],
    }

    cols = ["id", "country", "year", "amount", "nato_category", "function", "kind", "tags"]
    with open(os.path.join(out, "line_items.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(items)
    with open(os.path.join(out, "indicators.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["country", "year", "gdp"], lineterminator="\n")
        w.writeheader()
        w.writerows(ind)
    with open(os.path.join(out, "dataset.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2)
        f.write("\n")

    # ---- checks: recompute the 2035 tables from the written files ---------
    with open(os.path.join(out, "line_items.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open(os.path.join(out, "indicators.csv"), newline="", encoding="utf-8") as f:
        gdps = {(r["country"], r["year"]): r["gdp"] for r in csv.DictReader(f)}
    assert len({r["id"] for r in rows}) == len(rows)
    print("line items: %d, indicator rows: %d" % (len(rows), len(gdps)))
    for c in COUNTRIES:
        code = c["code"]
        r35 = [r for r in rows if r["country"] == code and r["year"] == str(KEY_YEAR)]
        s = lambda pred: sum((D(r["amount"]) for r in r35 if pred(r)), D(0))
        tagged = lambda r, t: t in r["tags"].split(";")
        nocat = lambda r: r["nato_category"] == ""
        gdp = D(gdps[(code, str(KEY_YEAR))])
        core_cat = s(lambda r: not nocat(r))
        ukr_fresh = s(lambda r: r["kind"] == "ukraine_military_aid"
                      and not tagged(r, "from_existing_stocks"))
        ukr_stocks = s(lambda r: r["kind"] == "ukraine_military_aid"
                       and tagged(r, "from_existing_stocks"))
        ukr_nonmil = s(lambda r: r["kind"] == "ukraine_non_military_aid")
        named5 = s(lambda r: r["function"] in NAMED5 and nocat(r))
        named5_du = s(lambda r: r["function"] in NAMED5 and nocat(r) and tagged(r, "dual_use"))
        mob = s(lambda r: r["function"] == "military_mobility" and nocat(r))
        south = s(lambda r: r["function"] in SOUTHERN and nocat(r))
        both = s(lambda r: r["function"] != "" and not nocat(r))
        blocks = (gdp, core_cat, ukr_fresh, ukr_stocks, ukr_nonmil, named5, named5_du,
                  mob, south, both)
        assert tuple(int(x) for x in blocks) == BLOCKS_2035[code], (code, blocks)
        cap = gdp * D("1.5") / 100
        rel_a = named5 + mob / 2
        readings = {
            "A": (core_cat + ukr_fresh, rel_a),
            "B": (core_cat + ukr_fresh, named5 + mob + south),
            "C": (core_cat + ukr_fresh, named5 - named5_du),
            "D": (core_cat, rel_a),
            "E": (core_cat, rel_a + ukr_fresh + ukr_stocks),
        }
        for k, (core, rel) in readings.items():
            capped = min(rel, cap)
            got = (core, rel, capped, core + capped)
            assert tuple(int(x) for x in got) == EXPECTED_2035[k][code], (k, code, got)
            print("%s %s gdp=%s core=%s (%s%%) related=%s (%s%%) capped=%s headline=%s (%s%%)"
                  % (k, code, plain(gdp), plain(core), plain(core * 100 / gdp), plain(rel),
                     plain(rel * 100 / gdp), plain(capped), plain(core + capped),
                     plain((core + capped) * 100 / gdp)))
    print("2035 tables match BLOCKS_2035 and EXPECTED_2035")


if __name__ == "__main__":
    main()

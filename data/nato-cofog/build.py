#!/usr/bin/env python3
"""Regenerate data/nato-cofog/{dataset.json,line_items.csv,indicators.csv} and check them.

Usage:  python3 build.py SHARED_DATA_DIR [outdir]

SHARED_DATA_DIR holds `nato/`, `cofog/` and `cofog-l2/`.  The NATO items are
read from ../nato/line_items.csv (built by ../nato/build.py), so build that first.
Standard library only, exact decimal arithmetic.  See README.md.
"""
import csv
import json
import os
import sys
from decimal import Decimal, getcontext, ROUND_HALF_EVEN

getcontext().prec = 60
HERE = os.path.dirname(os.path.abspath(__file__))
YEARS = range(2014, 2025)
PLACES = Decimal("0.000001")  # COFOG amounts are rounded to 6 decimals
CATEGORIES = ["equipment", "personnel", "infrastructure", "other"]
EURO = {"Euros"}
LABELS = {
    "GF0104": "Basic research", "GF0105": "R&D General public services",
    "GF0106": "General public services n.e.c.",
    "GF02": "Defence", "GF0201": "Military defence", "GF0202": "Civil defence",
    "GF0203": "Foreign military aid", "GF0204": "R&D Defence", "GF0205": "Defence n.e.c.",
    "GF03": "Public order and safety", "GF0301": "Police services",
    "GF0302": "Fire-protection services", "GF0303": "Law courts", "GF0304": "Prisons",
    "GF0305": "R&D Public order and safety", "GF0306": "Public order and safety n.e.c.",
    "GF04": "Economic affairs", "GF0401": "General economic, commercial and labour affairs",
    "GF0402": "Agriculture, forestry, fishing and hunting", "GF0403": "Fuel and energy",
    "GF0404": "Mining, manufacturing and construction", "GF0405": "Transport",
    "GF0406": "Communication", "GF0407": "Other industries",
    "GF0408": "R&D Economic affairs", "GF0409": "Economic affairs n.e.c.",
}
DIVISIONS = ["GF02", "GF03", "GF04"]
# extract keys (the `extract` field) -> short description
EXTRACTS = {
    "eurostat_2026_l1": "Eurostat gov_10a_exp, release 2026-07-21, divisions (cofog SOURCES.md section 1): share = MIO_EUR / (TOTAL MIO_EUR / TOTAL PC_GDP x 100)",
    "imf_2026_gf02": "IMF GFS_COFOG 11.0.0, 2026-02-03, GF02 % of GDP as published (cofog SOURCES.md section 4)",
    "statcan_2026_l1": "Statistics Canada 10-10-0005-01, retrieved 2026-08-22, CAD million (cofog-l2 SOURCES.md section B): share = CAD / NATO GDP in CAD",
    "eurostat_2023_l2": "Eurostat gov_10a_exp custom extraction, January 2023, groups, % of GDP rounded to 0.1 as published (cofog-l2 SOURCES.md section A)",
    "eurostat_2026_fra_l2": "Eurostat gov_10a_exp, France groups, release 2026-09-16 (cofog SOURCES.md section 2): share = MIO_EUR / France GDP as for divisions",
    "eurostat_2026_gf0405": "Eurostat gov_10a_exp transport GF0405, release 2026-08-26, euro countries, 2021-2024 (cofog SOURCES.md section 3): share = MIO_EUR / GDP as for divisions",
}


def plain(d):
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("", "-0") else s


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def main():
    shared = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else HERE
    nato = read(os.path.join(shared, "nato", "nato-defence-expenditure-2014-2025.csv"))
    l1 = read(os.path.join(shared, "cofog", "cofog-general-government-by-function.csv"))
    l2 = read(os.path.join(shared, "cofog-l2", "cofog-l2-nato.csv"))
    can_check = read(os.path.join(shared, "cofog-l2", "crosscheck_can_gf02.csv"))
    nato_items = read(os.path.join(HERE, "..", "nato", "line_items.csv"))

    countries, nrow = {}, {}
    for r in nato:
        countries.setdefault(r["country_code"], {"code": r["country_code"], "name": r["country"],
                                                 "member_from": int(r["nato_accession_year"])})
        if r["country_code"] == "ISL":
            countries["ISL"]["no_expenditure"] = ("Iceland has no armed forces; NATO reports "
                                                  "no defence expenditure for it")
        nrow[(r["country_code"], int(r["year"]))] = r
    countries = [countries[k] for k in sorted(countries)]

    def nato_gdp(c, y):
        g = nrow[(c, y)]["gdp_usd_million_const2015"]
        return Decimal(g) if g else None

    def nato_gdp_ncu_current(c, y):
        """NATO's GDP in national currency at current prices, implied by its own
        tables: GDP (USD, current) x (expenditure NCU / expenditure USD)."""
        r = nrow[(c, y)]
        if not (r["gdp_usd_million_current"] and r["expenditure_ncu_million_current"]):
            return None
        return (Decimal(r["gdp_usd_million_current"]) * Decimal(r["expenditure_ncu_million_current"])
                / Decimal(r["expenditure_usd_million_current"]))

    items = []
    # ---- NATO rows: the exact split of data/nato ------------------------
    for i in nato_items:
        if i["nato_category"] not in CATEGORIES or not i["amount"]:
            continue  # the 2025 share-only items have no amount
        items.append({"id": "%s-%s-nato-%s" % (i["country"], i["year"], i["nato_category"]),
                      "country": i["country"], "year": i["year"], "amount": i["amount"],
                      "nato_category": i["nato_category"], "cofog": "", "cofog_level": "",
                      "extract": "", "tags": ""})

    # ---- Eurostat GDP in EUR, derived from TOTAL ------------------------
    eur = {}  # (c, y, code) -> (MIO_EUR text, flag)
    pc = {}
    for r in l1:
        k = (r["country_code"], int(r["year"]), r["cofog"])
        if r["unit"] == "MIO_EUR":
            eur[k] = (r["value"], r["flag"])
        elif r["unit"] == "PC_GDP":
            pc[k] = (r["value"], r["source"])
    eu_gdp = {}
    for (c, y, code), (v, _) in eur.items():
        if code == "TOTAL" and (c, y, "TOTAL") in pc:
            eu_gdp[(c, y)] = Decimal(v) / (Decimal(pc[(c, y, "TOTAL")][0]) / 100)

    def tags_of(flag):
        return {"p": "provisional", "b": "break_in_series", "": ""}[flag]

    def add(c, y, code, level, share, extract, flag=""):
        g = nato_gdp(c, y)
        if g is None:
            sys.exit("no NATO GDP for %s %d" % (c, y))
        amount = (share * g / 100).quantize(PLACES, rounding=ROUND_HALF_EVEN)
        items.append({"id": "%s-%d-%s" % (c, y, code), "country": c, "year": str(y),
                      "amount": plain(amount), "nato_category": "", "cofog": code,
                      "cofog_level": level, "extract": extract, "tags": tags_of(flag)})

    # level 1, Eurostat 2026: share = MIO_EUR / derived EUR GDP
    for (c, y, code), (v, flag) in sorted(eur.items()):
        if code in DIVISIONS and y in YEARS and (c, y) in eu_gdp:
            add(c, y, code, "division", Decimal(v) / eu_gdp[(c, y)] * 100, "eurostat_2026_l1", flag)
    # level 1, IMF GF02 (not Canada: Statistics Canada below is the same series' origin)
    for (c, y, code), (v, src) in sorted(pc.items()):
        if src.startswith("IMF") and c != "CAN":
            add(c, y, code, "division", Decimal(v), "imf_2026_gf02")
    # level 1, Canada: CAD / NATO's GDP in CAD
    for r in l2:
        if r["source"].startswith("STATCAN") and r["cofog"] in DIVISIONS:
            y = int(r["year"])
            add("CAN", y, r["cofog"], "division",
                Decimal(r["value"]) / nato_gdp_ncu_current("CAN", y) * 100, "statcan_2026_l1")
    # level 2
    for r in l2:
        c, y, code = r["country_code"], int(r["year"]), r["cofog"]
        if r["source"].startswith("ESTAT_gov_10a_exp_2023-01__ccecrb") and c != "FRA":
            add(c, y, code, "group", Decimal(r["value"]), "eurostat_2023_l2", r["flag"])
        elif r["source"].startswith("ESTAT_gov_10a_exp_2026-09-16__datapressr") and r["unit"] == "MIO_EUR":
            add(c, y, code, "group", Decimal(r["value"]) / eu_gdp[(c, y)] * 100,
                "eurostat_2026_fra_l2", r["flag"])
        elif (r["source"].startswith("ESTAT_gov_10a_exp_2026-08-26__czbudget") and y >= 2021
              and nrow[(c, y)]["currency"] in EURO and c != "FRA"):
            add(c, y, code, "group", Decimal(r["value"]) / eu_gdp[(c, y)] * 100,
                "eurostat_2026_gf0405", r["flag"])

    # ---- indicators ------------------------------------------------------
    ind = []
    for c in countries:
        for y in YEARS:
            r = nrow[(c["code"], y)]
            ind.append({"country": c["code"], "year": y, "gdp": r["gdp_usd_million_const2015"],
                        "nato_reported_share": r["defence_share_gdp_pct"]})

    codes = sorted({i["cofog"] for i in items if i["cofog"]}, key=lambda s: (s[:4], len(s), s))
    manifest = {
        "name": "NATO defence expenditure and COFOG spending by function, side by side",
        "source": "NATO 'Defence Expenditure of NATO Countries (2014-2024)', June 2024 "
                  "(Tables 2, 3, 5, 8a, 8b; see data/nato). General government spending by "
                  "function (COFOG): Eurostat gov_10a_exp (2026 releases, and a January 2023 "
                  "extraction for groups), IMF GFS_COFOG (Feb 2026), Statistics Canada "
                  "10-10-0005-01 (Aug 2026). COFOG amounts are COFOG shares of GDP times "
                  "NATO's GDP; see README.md and SOURCES.md.",
        "edition": "NATO: June 2024 edition, 2014-2024. COFOG: releases of Jan 2023 "
                   "(groups 2014-2020), Feb 2026 (IMF), Jul-Sep 2026 (Eurostat), Aug 2026 "
                   "(Statistics Canada).",
        "money_unit": "USD million, constant 2015 prices",
        "line_items": "line_items.csv",
        "indicators": "indicators.csv",
        "countries": countries,
        "fields": [
            {"name": "nato_category", "type": "text", "values": CATEGORIES,
             "by_value": True,
             "description": "NATO rows only: NATO breakdown category (the four add up "
                            "exactly to NATO's total; data/nato). Empty on COFOG rows. "
                            "Published value by value: an Ally-year without NATO rows "
                            "(Iceland) has no figures, not zero."},
            {"name": "cofog", "type": "text", "values": codes,
             "by_value": True,
             "description": "COFOG rows only: COFOG 1999 code. " + "; ".join(
                 "%s %s" % (k, LABELS[k]) for k in codes) + ". Empty on NATO rows."},
            {"name": "cofog_level", "type": "text", "values": ["division", "group"],
             "description": "COFOG rows only: division = level 1 (GF02, GF03, GF04), "
                            "group = level 2 (GF0104 ... GF0409). A division contains its "
                            "groups: select exactly one level to avoid counting the same "
                            "money twice."},
            {"name": "extract", "type": "text", "values": sorted(EXTRACTS),
             "description": "COFOG rows only: where the share comes from and how. " +
                            " | ".join("%s: %s" % kv for kv in sorted(EXTRACTS.items()))},
        ],
        "tags": ["provisional", "break_in_series"],
        "indicator_series": [
            {"name": "gdp", "unit": "money",
             "description": "GDP, USD million at constant 2015 prices (NATO Table 5, June "
                            "2024 edition), 2014-2024, all 32 Allies. Every COFOG amount "
                            "is a COFOG share of GDP times this GDP."},
            {"name": "nato_reported_share", "unit": "percent",
             "description": "NATO's published defence expenditure as a share of real GDP "
                            "(Table 3, June 2024 edition), 2014-2024."},
        ],
    }

    cols = ["id", "country", "year", "amount", "nato_category", "cofog", "cofog_level",
            "extract", "tags"]
    with open(os.path.join(out, "line_items.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(items)
    with open(os.path.join(out, "indicators.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["country", "year", "gdp", "nato_reported_share"],
                           lineterminator="\n")
        w.writeheader()
        w.writerows(ind)
    with open(os.path.join(out, "dataset.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2)
        f.write("\n")

    # ---- checks ----------------------------------------------------------
    failures = []
    ids = [i["id"] for i in items]
    if len(ids) != len(set(ids)):
        failures.append("duplicate ids")
    keys = [(i["country"], i["year"], i["cofog"]) for i in items if i["cofog"]]
    if len(keys) != len(set(keys)):
        failures.append("two COFOG rows for one country, year and code")
    from collections import Counter
    n_nato = sum(1 for i in items if i["nato_category"])
    by = Counter((i["extract"], i["cofog_level"]) for i in items if i["cofog"])
    print("countries %d, items %d: NATO %d, COFOG %d" % (len(countries), len(items), n_nato,
                                                         len(items) - n_nato))
    for (e, lvl), n in sorted(by.items()):
        cs = sorted({i["country"] for i in items if i["extract"] == e})
        ys = sorted({int(i["year"]) for i in items if i["extract"] == e})
        print("  %-22s %-8s %5d rows, %2d countries, %d-%d" % (e, lvl, n, len(cs), ys[0], ys[-1]))
    # NATO rows add up to NATO's Table 2 total
    tot = Counter()
    for i in items:
        if i["nato_category"]:
            tot[(i["country"], int(i["year"]))] += Decimal(i["amount"])
    for (c, y), s in tot.items():
        if s != Decimal(nrow[(c, y)]["expenditure_usd_million_const2015"]):
            failures.append("NATO total %s %d" % (c, y))
    print("NATO rows: %d Ally-years, each adds up exactly to NATO's Table 2 total" % len(tot))

    # Conversion error 1: Eurostat GDP (EUR, current) vs NATO's GDP in EUR for euro
    # countries (NATO GDP USD current x NATO's own EUR/USD rate).
    gaps = []
    for (c, y), g in eu_gdp.items():
        if y in YEARS and nrow[(c, y)]["currency"] in EURO:
            ng = nato_gdp_ncu_current(c, y)
            gaps.append(((g / ng - 1) * 100, c, y))
    gaps.sort()
    absg = sorted(abs(g[0]) for g in gaps)
    med = absg[len(absg) // 2]
    within1 = sum(1 for a in absg if a <= 1)
    print("Eurostat GDP vs NATO GDP (euro countries, %d country-years): median |gap| %.2f%%, "
          "%d within 1%%, range %.2f%% (%s %d) to %.2f%% (%s %d)"
          % (len(gaps), med, within1, gaps[0][0], gaps[0][1], gaps[0][2],
             gaps[-1][0], gaps[-1][1], gaps[-1][2]))
    big = [g for g in gaps if abs(g[0]) > 3]
    print("  gaps above 3%%: %s" % ", ".join("%s %d %+.2f%%" % (c, y, g) for g, c, y in big))
    per_c = {}
    for g, c, y in gaps:
        per_c.setdefault(c, []).append(g)
    print("  mean gap per country: " + ", ".join("%s %+.2f" % (c, sum(v) / len(v))
                                                 for c, v in sorted(per_c.items())))
    # Conversion error 2: Canada, Statistics Canada GDP vs NATO's GDP in CAD
    for r in can_check:
        y = int(r["year"])
        ng = nato_gdp_ncu_current("CAN", y)
        print("  CAN %d: StatCan GDP %s, NATO GDP in CAD %s, gap %+.2f%%"
              % (y, r["statcan_gdp_mio_cad"], plain(ng.quantize(Decimal("0.1"))),
                 (Decimal(r["statcan_gdp_mio_cad"]) / ng - 1) * 100))
    # NATO's share of real GDP equals its share at current prices: NATO converts
    # spending and GDP to constant prices with the same index, which is what lets a
    # current-price COFOG share be applied to NATO's constant-price GDP.
    devs = sorted(((abs(Decimal(r["expenditure_usd_million_current"]) / Decimal(r["gdp_usd_million_current"])
                         - Decimal(r["expenditure_usd_million_const2015"])
                         / Decimal(r["gdp_usd_million_const2015"])) * 100, r["country_code"], r["year"])
                   for r in nato if r["expenditure_usd_million_const2015"]), reverse=True)
    same = sum(1 for d in devs if d[0] < Decimal("0.01"))
    print("NATO share at current vs constant 2015 prices: %d of %d Ally-years within 0.01 pp; "
          "others: %s" % (same, len(devs), ", ".join("%s %s %.3f pp" % (c, y, d)
                                                    for d, c, y in devs if d >= Decimal("0.01"))))
    # COFOG GF02 against NATO's total (same unit now): ratio range
    gf02 = {(i["country"], int(i["year"])): Decimal(i["amount"]) for i in items
            if i["cofog"] == "GF02"}
    ratios = sorted((gf02[k] / tot[k], k) for k in gf02 if k in tot)
    print("COFOG GF02 / NATO total: median %.2f, from %.2f (%s %d) to %.2f (%s %d), %d country-years"
          % (ratios[len(ratios) // 2][0], ratios[0][0], ratios[0][1][0], ratios[0][1][1],
             ratios[-1][0], ratios[-1][1][0], ratios[-1][1][1], len(ratios)))
    if failures:
        for f in failures:
            print("FAIL " + f)
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()

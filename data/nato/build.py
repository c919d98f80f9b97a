#!/usr/bin/env python3
"""Regenerate data/nato/{dataset.json,line_items.csv,indicators.csv} and check them.

Usage:  python3 build.py /path/to/nato-defence-expenditure-2014-2025.csv [outdir]

Standard library only.  All arithmetic uses decimal.Decimal on the source
text; nothing goes through binary floating point.  See README.md for what is
computed and why.
"""
import csv
import json
import os
import sys
from decimal import Decimal, getcontext

getcontext().prec = 60  # far more than the ~20 significant digits ever needed

CATEGORIES = ["equipment", "personnel", "infrastructure", "other"]
SHARE_COL = {c: c + "_share_pct" for c in CATEGORIES}
ITEM_YEARS = range(2014, 2025)  # 2025 rows carry no amounts
FUNCTIONS = ["critical_infrastructure", "cyber_defence", "civil_preparedness",
             "innovation", "defence_industrial_base", "military_mobility",
             "border_security", "coast_guard"]
KINDS = ["ukraine_military_aid", "ukraine_non_military_aid", "pensions"]
# NATO's published table shows exactly 2.0 although Table 2 / Table 5 gives less.
EXACT_TWO = {("FRA", "2020"), ("LTU", "2019"), ("SVK", "2024")}
TOLERANCE = Decimal("0.015")


def plain(d):
    """Exact decimal as plain text: no exponent, no trailing fractional zeros."""
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("", "-0") else s


def main():
    src = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    with open(src, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))

    # ---- countries -------------------------------------------------------
    countries = {}
    for r in rows:
        c = {"code": r["country_code"], "name": r["country"],
             "member_from": int(r["nato_accession_year"])}
        if countries.setdefault(c["code"], c) != c:
            sys.exit("inconsistent country metadata for " + c["code"])
    countries = [countries[k] for k in sorted(countries)]

    # ---- line items ------------------------------------------------------
    items = []
    checks = []  # (code, year, recomputed share, published share, deviation)
    for r in rows:
        code, year = r["country_code"], r["year"]
        exp_txt = r["expenditure_usd_million_const2015"]
        if not exp_txt:
            continue
        if int(year) not in ITEM_YEARS:
            sys.exit("unexpected amount outside 2014-2024: %s %s" % (code, year))
        exp = Decimal(exp_txt)
        total = Decimal(0)
        for cat in CATEGORIES:
            share = Decimal(r[SHARE_COL[cat]])  # KeyError/empty -> crash, on purpose
            amount = exp * share / Decimal(100)
            # exactness guard: the product of two finite decimals is finite;
            # make sure no digit was lost to the context precision
            if amount * Decimal(100) != exp * share:
                sys.exit("inexact product for %s %s %s" % (code, year, cat))
            total += amount
            items.append({"id": "%s-%s-%s" % (code, year, cat), "country": code,
                          "year": year, "amount": plain(amount),
                          "nato_category": cat, "function": "", "kind": "",
                          "tags": ""})
        gdp = Decimal(r["gdp_usd_million_const2015"])
        recomputed = total / gdp * Decimal(100)
        published = Decimal(r["defence_share_gdp_pct"])
        checks.append((code, year, recomputed, published, abs(recomputed - published)))

    # ---- indicators ------------------------------------------------------
    ind = []
    for r in sorted(rows, key=lambda r: (r["country_code"], r["year"])):
        gdp = r["gdp_usd_million_const2015"]
        if gdp and not (2014 <= int(r["year"]) <= 2024):
            sys.exit("unexpected GDP outside 2014-2024")
        ind.append({"country": r["country_code"], "year": r["year"],
                    "gdp": gdp,
                    "nato_reported_share": r["defence_share_gdp_pct"],
                    "real_change_pct": r["real_change_pct"]})

    # ---- manifest --------------------------------------------------------
    manifest = {
        "name": "NATO defence expenditure, 2024 edition (+2025 press shares)",
        "source": "NATO, 'Defence Expenditure of NATO Countries (2014-2024)', tables "
                  "workbook 240617-def-exp-2024-TABLES-en.xlsx (Tables 2, 3, 5, 8a, 8b); "
                  "2025 shares of GDP: NATO 'Defence Expenditure of NATO Countries "
                  "(2014-2025)' as reported in the press. Details in SOURCES.md.",
        "edition": "2014-2024: June 2024 edition (released 17 Jun 2024, cut-off 12 Jun "
                   "2024, 2015 prices; 2023 and 2024 are estimates). 2025: share of GDP "
                   "only, August 2025 edition (released 27-28 Aug 2025, cut-off 3 Jun 2025, "
                   "2021 prices, estimates), as printed in the press.",
        "money_unit": "USD million, constant 2015 prices",
        "line_items": "line_items.csv",
        "indicators": "indicators.csv",
        "countries": countries,
        "fields": [
            {"name": "nato_category", "type": "text", "values": CATEGORIES,
             "description": "NATO breakdown category (Tables 8a/8b): equipment = major "
                            "equipment incl. related R&D; personnel = military and civilian "
                            "personnel incl. pensions; infrastructure = NATO common "
                            "infrastructure and national military construction; other = "
                            "operations and maintenance, other R&D, unallocated. Every "
                            "NATO row has one."},
            {"name": "function", "type": "text", "values": FUNCTIONS,
             "description": "Purpose within the broader defence- and security-related "
                            "category (Hague 2025, up to 1.5% of GDP). Declared for a "
                            "vocabulary shared with the sample dataset; NATO publishes no "
                            "item-level data for it, so it is empty on every NATO row."},
            {"name": "kind", "type": "text", "values": KINDS,
             "description": "Special kinds of spending (Ukraine aid, pensions). Declared "
                            "for a vocabulary shared with the sample dataset; NATO "
                            "publishes no item-level data for them, so it is empty on "
                            "every NATO row."},
        ],
        "tags": ["from_existing_stocks", "dual_use"],
        "indicator_series": [
            {"name": "gdp", "unit": "money",
             "description": "GDP, USD million at constant 2015 prices and exchange rates "
                            "(NATO Table 5, June 2024 edition), 2014-2024, all 32 Allies "
                            "incl. Iceland. Empty for 2025 (no source value)."},
            {"name": "nato_reported_share", "unit": "percent",
             "description": "Defence expenditure as a share of real GDP as published by "
                            "NATO (Table 3). 2014-2024: June 2024 edition, 4 d.p. (FRA 2020, "
                            "LTU 2019, SVK 2024 are NATO's exact 2.0). 2025: August 2025 "
                            "edition as printed in the press, 2 d.p. (GBR 1 d.p.; DEU 2.00 "
                            "provisional); a different edition and price base from "
                            "2014-2024."},
            {"name": "real_change_pct", "unit": "number",
             "description": "Annual real change of defence expenditure, % (NATO Table 3, "
                            "June 2024 edition). Published for 2014-2024 only."},
        ],
    }

    # ---- write -----------------------------------------------------------
    cols = ["id", "country", "year", "amount", "nato_category", "function", "kind", "tags"]
    with open(os.path.join(out, "line_items.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(items)
    with open(os.path.join(out, "indicators.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["country", "year", "gdp", "nato_reported_share",
                                          "real_change_pct"], lineterminator="\n")
        w.writeheader()
        w.writerows(ind)
    with open(os.path.join(out, "dataset.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2)
        f.write("\n")

    # ---- checks ----------------------------------------------------------
    ids = [i["id"] for i in items]
    assert len(ids) == len(set(ids)), "duplicate ids"
    bad = [c for c in checks if (c[0], c[1]) not in EXACT_TWO and c[4] > TOLERANCE]
    ordinary = [c for c in checks if (c[0], c[1]) not in EXACT_TWO]
    worst = max(ordinary, key=lambda c: c[4])
    print("countries: %d, line items: %d, indicator rows: %d, ally-years checked: %d"
          % (len(countries), len(items), len(ind), len(checks)))
    print("largest |recomputed - published| share deviation (excluding the exact-2.0 "
          "cells): %s pp at %s %s (recomputed %s, published %s)"
          % (plain(worst[4].quantize(Decimal("0.000001"))), worst[0], worst[1],
             plain(worst[2].quantize(Decimal("0.000001"))), worst[3]))
    for c in sorted(checks):
        if (c[0], c[1]) in EXACT_TWO:
            print("exact-2.0 cell %s %s: recomputed %s, published %s"
                  % (c[0], c[1], plain(c[2].quantize(Decimal("0.000001"))), c[3]))
    if bad:
        for c in bad:
            print("FAIL %s %s deviation %s" % (c[0], c[1], c[4]))
        sys.exit(1)
    print("share check passed (tolerance %s pp)" % TOLERANCE)


if __name__ == "__main__":
    main()

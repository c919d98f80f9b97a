#!/usr/bin/env python3
"""Regenerate data/nato/{dataset.json,line_items.csv,indicators.csv} and check them.

Usage:  python3 build.py SHARED_DATA_DIR [outdir]

SHARED_DATA_DIR holds the folders `nato/` (nato-defence-expenditure-2014-2025.csv,
nato-aggregates-2024-edition.csv) and `nato-2025/`
(nato-de2025-table3-share-gdp-7allies-2dp.csv, nato-de2025-share-gdp-2025e-compiled.csv).

Standard library only.  All arithmetic is exact (decimal.Decimal and
fractions.Fraction on the source text); nothing goes through binary floating
point.  See README.md for what is computed and why.
"""
import csv
import json
import os
import sys
from decimal import Decimal, getcontext, ROUND_HALF_EVEN
from fractions import Fraction

getcontext().prec = 60

CATEGORIES = ["equipment", "personnel", "infrastructure", "other"]
SHARE_COL = {c: c + "_share_pct" for c in CATEGORIES}
ITEM_YEARS = range(2014, 2025)
DECIMALS = 6  # every distributed part is rounded to 6 decimals
FUNCTIONS = ["critical_infrastructure", "cyber_defence", "civil_preparedness",
             "innovation", "defence_industrial_base", "military_mobility",
             "border_security", "coast_guard"]
KINDS = ["ukraine_military_aid", "ukraine_non_military_aid", "pensions"]
EXACT_TWO = {("FRA", "2020"), ("LTU", "2019"), ("SVK", "2024")}
TOLERANCE = Decimal("0.015")
# NATO's published number of Allies at or above 2% of GDP (Wales guideline) ...
NATO_TWO_PCT_COUNT = {2014: 3, 2015: 5, 2016: 5, 2017: 4, 2018: 6, 2019: 7, 2020: 9,
                      2021: 6, 2022: 7, 2023: 10, 2024: 23}
# ... and at or above 20% of defence expenditure on major equipment.
NATO_EQUIPMENT_COUNT = {2014: 7, 2024: 29}
# 2025 values accepted: only rows of files rated medium-high or better in
# nato-2025/SOURCES.md.  The compiled 2025e file gives evidence per row, not a
# rating; its rows backed by the Table 3 transcription (S3, rated medium-high)
# are the ones that qualify.  Press-only rows, the Bulgarian code comment
# (rated medium) and the German placeholder are left out.
DE2025_7ALLIES = "nato-de2025-table3-share-gdp-7allies-2dp.csv"
DE2025_COMPILED = "nato-de2025-share-gdp-2025e-compiled.csv"

UNPUBLISHED_RELATED = "NATO publishes no figures for defence- and security-related spending (the Hague 1.5% category)"
UNPUBLISHED_KIND = "NATO publishes no separate figures for Ukraine aid or for pensions (pensions are inside personnel)"
UNPUBLISHED_TAGS = "NATO publishes no figures for donations from existing stocks or for dual-use spending"
NO_EXPENDITURE_ISL = ("Iceland has no armed forces; NATO reports no defence "
                      "expenditure for it")


def plain(d):
    """Exact decimal as plain text: no exponent, no trailing fractional zeros."""
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("", "-0") else s


def distribute(total, weights, decimals=DECIMALS):
    """Split `total` in proportion to `weights` into parts rounded to `decimals`
    places that add up to `total` exactly (largest-remainder method).

    Each part's exact quota is total * w / sum(w).  Every quota is first rounded
    down to `decimals` places; the units of the last place still missing are
    then given, one each, to the parts with the largest remainders (ties: in
    the order of `weights`).  Returns Decimals."""
    unit = Fraction(1, 10 ** decimals)
    t = Fraction(total)
    if (t / unit).denominator != 1:
        sys.exit("total %s has more than %d decimals" % (total, decimals))
    wsum = sum(Fraction(w) for w in weights)
    quotas = [t * Fraction(w) / wsum for w in weights]
    floors = [(q // unit) * unit for q in quotas]
    missing = int((t - sum(floors)) / unit)
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += unit
    assert sum(floors) == t
    return [Decimal(f.numerator) / Decimal(f.denominator) for f in floors]


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def q4(x):
    return Decimal(x).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)


def validate_format(out):
    """Re-read the written files and check them against the dataset format
    (docs/data.md), including its newer parts: `share_of_gdp`, an empty
    `amount` only where `share_of_gdp` is given, `*` in a text field,
    `edition` naming an entry of `editions`."""
    with open(os.path.join(out, "dataset.json"), encoding="utf-8") as f:
        m = json.load(f)
    problems = []
    codes = {c["code"] for c in m["countries"]}
    fields = {fd["name"]: fd for fd in m.get("fields", [])}
    editions = {e["id"] for e in m.get("editions", [])}
    tags = set(m.get("tags", []))
    series = [s["name"] for s in m["indicator_series"]]
    with open(os.path.join(out, m["line_items"]), newline="", encoding="utf-8") as f:
        rd = csv.DictReader(f)
        allowed = {"id", "country", "year", "amount", "share_of_gdp", "edition", "tags"} | set(fields)
        if set(rd.fieldnames) - allowed or not set(fields) <= set(rd.fieldnames):
            problems.append("line-item columns %s" % rd.fieldnames)
        for n, r in enumerate(rd, start=2):
            where = "line_items.csv:%d" % n
            if r["country"] not in codes:
                problems.append(where + " country")
            if not r["year"].isdigit():
                problems.append(where + " year")
            if not r["amount"] and not r.get("share_of_gdp"):
                problems.append(where + " neither amount nor share_of_gdp")
            for col in ("amount", "share_of_gdp"):
                if r.get(col):
                    try:
                        Decimal(r[col])
                    except Exception:
                        problems.append(where + " " + col)
            if r.get("edition") and r["edition"] not in editions:
                problems.append(where + " edition")
            for name, fd in fields.items():
                v = r[name]
                if v and v != "*" and fd.get("values") is not None and v not in fd["values"]:
                    problems.append(where + " " + name)
                if v and fd.get("unpublished"):
                    problems.append(where + " %s is declared unpublished but filled" % name)
            for t in filter(None, r.get("tags", "").split(";")):
                if t not in tags or m.get("unpublished_tags"):
                    problems.append(where + " tag " + t)
    with open(os.path.join(out, m["indicators"]), newline="", encoding="utf-8") as f:
        rd = csv.DictReader(f)
        if rd.fieldnames != ["country", "year"] + series:
            problems.append("indicator columns %s" % rd.fieldnames)
        seen = set()
        for r in rd:
            k = (r["country"], r["year"])
            if r["country"] not in codes or k in seen:
                problems.append("indicators %s" % (k,))
            seen.add(k)
    return problems


def main():
    shared = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    rows = read(os.path.join(shared, "nato", "nato-defence-expenditure-2014-2025.csv"))
    aggregates = read(os.path.join(shared, "nato", "nato-aggregates-2024-edition.csv"))
    seven = read(os.path.join(shared, "nato-2025", DE2025_7ALLIES))
    compiled = read(os.path.join(shared, "nato-2025", DE2025_COMPILED))

    # ---- countries -------------------------------------------------------
    countries = {}
    for r in rows:
        c = {"code": r["country_code"], "name": r["country"],
             "member_from": int(r["nato_accession_year"])}
        if countries.setdefault(c["code"], c) != c:
            sys.exit("inconsistent country metadata for " + c["code"])
    countries = [countries[k] for k in sorted(countries)]
    for c in countries:
        if c["code"] == "ISL":
            c["no_expenditure"] = NO_EXPENDITURE_ISL
    member_from = {c["code"]: c["member_from"] for c in countries}

    # ---- line items 2014-2024 -------------------------------------------
    items = []
    checks = []  # (code, year, recomputed share, published share, deviation)
    max_change = (Decimal(0), None)        # amount vs plain total x share / 100
    max_share_change = (Decimal(0), None)  # share_of_gdp vs plain share x cat share / 100
    for r in rows:
        code, year = r["country_code"], r["year"]
        exp_txt = r["expenditure_usd_million_const2015"]
        if not exp_txt:
            continue
        if int(year) not in ITEM_YEARS:
            sys.exit("unexpected amount outside 2014-2024: %s %s" % (code, year))
        exp = Decimal(exp_txt)
        pub_share = Decimal(r["defence_share_gdp_pct"])
        cat_shares = [Decimal(r[SHARE_COL[c]]) for c in CATEGORIES]  # empty -> crash
        amounts = distribute(exp, cat_shares)
        shares = distribute(pub_share, cat_shares)
        if sum(amounts) != exp or sum(shares) != pub_share:
            sys.exit("parts do not add up for %s %s" % (code, year))
        for cat, s, a, g in zip(CATEGORIES, cat_shares, amounts, shares):
            naive = exp * s / Decimal(100)
            d = abs(a - naive)
            if d > max_change[0]:
                max_change = (d, (code, year, cat, naive, a))
            naive_g = pub_share * s / Decimal(100)
            dg = abs(g - naive_g)
            if dg > max_share_change[0]:
                max_share_change = (dg, (code, year, cat, naive_g, g))
            items.append({"id": "%s-%s-%s" % (code, year, cat), "country": code,
                          "year": year, "amount": plain(a), "share_of_gdp": plain(g),
                          "nato_category": cat, "function": "", "kind": "",
                          "tags": "", "edition": "de2024"})
        gdp = Decimal(r["gdp_usd_million_const2015"])
        recomputed = sum(amounts) / gdp * Decimal(100)
        checks.append((code, year, recomputed, pub_share, abs(recomputed - pub_share)))

    # ---- line items 2025 (shares only) ----------------------------------
    accepted_2025 = {}
    for r in seven:
        if r["year"] == "2025" and r["defence_share_gdp_pct"]:
            accepted_2025[r["country_code"]] = r["defence_share_gdp_pct"]
    confidence_2025 = {}
    for r in compiled:
        code, v = r["country_code"], r["defence_share_gdp_pct"]
        if code in accepted_2025:
            if v != accepted_2025[code]:
                sys.exit("2025 value of %s differs between the DE2025 files" % code)
            confidence_2025[code] = "medium-high"
        elif v:
            confidence_2025[code] = "left out (%s)" % r["evidence"]
    for code in sorted(accepted_2025):
        items.append({"id": "%s-2025-total" % code, "country": code, "year": "2025",
                      "amount": "", "share_of_gdp": accepted_2025[code],
                      "nato_category": "*", "function": "", "kind": "", "tags": "",
                      "edition": "de2025"})

    # ---- indicators (unchanged from the source, as before) ---------------
    ind = []
    for r in sorted(rows, key=lambda r: (r["country_code"], r["year"])):
        gdp = r["gdp_usd_million_const2015"]
        if gdp and not (2014 <= int(r["year"]) <= 2024):
            sys.exit("unexpected GDP outside 2014-2024")
        ind.append({"country": r["country_code"], "year": r["year"], "gdp": gdp,
                    "nato_reported_share": r["defence_share_gdp_pct"],
                    "real_change_pct": r["real_change_pct"]})

    # ---- manifest --------------------------------------------------------
    manifest = {
        "name": "NATO defence expenditure, 2024 edition (+2025 shares of GDP)",
        "source": "NATO, 'Defence Expenditure of NATO Countries (2014-2024)', tables "
                  "workbook 240617-def-exp-2024-TABLES-en.xlsx (Tables 2, 3, 5, 8a, 8b); "
                  "2025 shares of GDP: NATO 'Defence Expenditure of NATO Countries "
                  "(2014-2025)', Table 3, as transcribed in a public file (line items) "
                  "and as reported in the press (indicator nato_reported_share). "
                  "Details in SOURCES.md and README.md.",
        "edition": "2014-2024: June 2024 edition (released 17 Jun 2024, cut-off 12 Jun "
                   "2024, 2015 prices; 2023 and 2024 are estimates). 2025: share of GDP "
                   "only, August 2025 edition (released 27-28 Aug 2025, cut-off 3 Jun 2025, "
                   "2021 prices, estimates).",
        "money_unit": "USD million, constant 2015 prices",
        "line_items": "line_items.csv",
        "indicators": "indicators.csv",
        "editions": [
            {"id": "de2024",
             "name": "NATO Defence Expenditure of NATO Countries (2014-2024), June 2024",
             "source": "NATO tables workbook 240617-def-exp-2024-TABLES-en.xlsx, read "
                       "from a public copy (SOURCES.md): Tables 2, 3, 5, 8a, 8b",
             "confidence": "high: NATO's own workbook; every independent cross-check "
                           "against press copies of the edition matched (SOURCES.md)"},
            {"id": "de2025",
             "name": "NATO Defence Expenditure of NATO Countries (2014-2025), August 2025",
             "source": "Table 3 (share of GDP, 2025 estimate) for CAN, FRA, GBR, ITA, TUR "
                       "and USA, as transcribed in a public file citing NATO's Excel "
                       "table (source S3 of the 2025 sources)",
             "confidence": "medium-high (rating of the transcription in the 2025 "
                           "sources); 2025 figures are NATO estimates"},
        ],
        "partial_years": [
            {"year": 2025,
             "reason": "NATO's 2025 estimates are bundled for %s only; for the other "
                       "Allies the only sources found are press reports, rated below "
                       "medium-high (data/nato/README.md)" % ", ".join(sorted(accepted_2025))},
        ],
        "countries": countries,
        "fields": [
            {"name": "nato_category", "type": "text", "values": CATEGORIES,
             "description": "NATO breakdown category (Tables 8a/8b): equipment = major "
                            "equipment incl. related R&D; personnel = military and civilian "
                            "personnel incl. pensions; infrastructure = NATO common "
                            "infrastructure and national military construction; other = "
                            "operations and maintenance, other R&D, unallocated. 2014-2024: "
                            "one item per category. 2025: one item per Ally with `*` (all "
                            "four categories; NATO's 2025 split was not available)."},
            {"name": "function", "type": "text", "values": FUNCTIONS,
             "unpublished": UNPUBLISHED_RELATED,
             "description": "Purpose within the broader defence- and security-related "
                            "category (Hague 2025, up to 1.5% of GDP). Declared for a "
                            "vocabulary shared with the sample dataset."},
            {"name": "kind", "type": "text", "values": KINDS,
             "unpublished": UNPUBLISHED_KIND,
             "description": "Special kinds of spending (Ukraine aid, pensions). Declared "
                            "for a vocabulary shared with the sample dataset."},
        ],
        "tags": ["from_existing_stocks", "dual_use"],
        "unpublished_tags": UNPUBLISHED_TAGS,
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
                            "is a provisional placeholder, not a table value), 18 Allies; "
                            "a different edition and price base from 2014-2024, and of "
                            "lower confidence than the 2025 line items (see README)."},
            {"name": "real_change_pct", "unit": "number",
             "description": "Annual real change of defence expenditure, % (NATO Table 3, "
                            "June 2024 edition). Published for 2014-2024 only."},
        ],
    }

    # ---- write -----------------------------------------------------------
    cols = ["id", "country", "year", "amount", "share_of_gdp", "nato_category",
            "function", "kind", "tags", "edition"]
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
    failures = []
    ids = [i["id"] for i in items]
    if len(ids) != len(set(ids)):
        failures.append("duplicate ids")
    edition_ids = {e["id"] for e in manifest["editions"]}
    if any(i["edition"] not in edition_ids for i in items):
        failures.append("an item names an edition the manifest does not list")
    n2025 = sum(1 for i in items if i["year"] == "2025")
    print("countries: %d, line items: %d (%d for 2014-2024, %d for 2025), indicator "
          "rows: %d, ally-years checked: %d"
          % (len(countries), len(items), len(items) - n2025, n2025, len(ind), len(checks)))
    print("largest change of an amount vs plain total x share / 100: %s at %s %s %s "
          "(plain %s, written %s)" % ((plain(max_change[0]),) + max_change[1][:3]
                                       + (plain(max_change[1][3]), plain(max_change[1][4]))))
    print("largest change of a share_of_gdp vs plain share x category share / 100: %s "
          "at %s %s %s (plain %s, written %s)"
          % ((plain(max_share_change[0]),) + max_share_change[1][:3]
             + (plain(max_share_change[1][3]), plain(max_share_change[1][4]))))

    # (1) recomputed share vs published (as before)
    ordinary = [c for c in checks if (c[0], c[1]) not in EXACT_TWO]
    worst = max(ordinary, key=lambda c: c[4])
    print("largest |sum of amounts / gdp - published| (excluding the exact-2.0 cells): "
          "%s pp at %s %s" % (plain(worst[4].quantize(Decimal("0.000001"))), worst[0], worst[1]))
    for c in ordinary:
        if c[4] > TOLERANCE:
            failures.append("share check %s %s deviation %s" % (c[0], c[1], c[4]))

    # (2) Wales 2% counts: members with the published share >= 2.0, and the
    #     same count from the items' share_of_gdp (must be identical)
    by_cy = {}
    for i in items:
        by_cy.setdefault((i["country"], int(i["year"])), []).append(i)
    print("Wales 2% count per year (published / from items / NATO):")
    for y in sorted(NATO_TWO_PCT_COUNT):
        pub = sum(1 for r in rows if int(r["year"]) == y and member_from[r["country_code"]] <= y
                  and r["defence_share_gdp_pct"] and Decimal(r["defence_share_gdp_pct"]) >= 2)
        fromitems = sum(1 for (c, yy), its in by_cy.items() if yy == y and member_from[c] <= y
                        and sum(Decimal(i["share_of_gdp"]) for i in its) >= 2)
        print("  %d: %d / %d / %d" % (y, pub, fromitems, NATO_TWO_PCT_COUNT[y]))
        if not (pub == fromitems == NATO_TWO_PCT_COUNT[y]):
            failures.append("2%% count %d: %d / %d, NATO %d"
                            % (y, pub, fromitems, NATO_TWO_PCT_COUNT[y]))
    n25 = sum(1 for i in items if i["year"] == "2025" and Decimal(i["share_of_gdp"]) >= 2)
    print("  2025 (6 Allies with a value): %d at or above 2%%" % n25)

    # (3) equipment >= 20%: from the items (equipment amount / total)
    for y, want in sorted(NATO_EQUIPMENT_COUNT.items()):
        n = 0
        for (c, yy), its in by_cy.items():
            if yy != y or member_from[c] > y:
                continue
            tot = sum(Decimal(i["amount"]) for i in its)
            eq = sum(Decimal(i["amount"]) for i in its if i["nato_category"] == "equipment")
            if tot and eq / tot >= Decimal("0.2"):
                n += 1
        print("equipment >= 20%% in %d: %d (NATO %d)" % (y, n, want))
        if n != want:
            failures.append("equipment count %d: %d, NATO %d" % (y, n, want))

    # (4) aggregates: sum of totals / sum of GDP (incl. Iceland), members only
    print("aggregates (computed / published, 4 d.p.):")
    gdp = {(r["country_code"], int(r["year"])): Decimal(r["gdp_usd_million_const2015"])
           for r in rows if r["gdp_usd_million_const2015"]}
    worst_gap = [Decimal(0), Decimal(0)]
    for a in aggregates:
        y = int(a["year"])
        europe = a["aggregate"] == "NATO Europe and Canada"
        allies = [c["code"] for c in countries if c["member_from"] <= y
                  and not (europe and c["code"] == "USA")]
        spend = sum(Decimal(i["amount"]) for c in allies for i in by_cy.get((c, y), []))
        g = sum(gdp[(c, y)] for c in allies)
        share = q4(spend / g * 100)
        # Each Ally's figure is rounded to 0.1 (GDP) or 0.001 (spending) in the
        # source, so a sum of n of them may differ from NATO's own (rounded)
        # aggregate by up to n half-units plus the aggregate's half-unit.
        tol_g = Decimal("0.05") * (len(allies) + 1)
        tol_s = Decimal("0.0005") * len(allies) + Decimal("0.05")
        dg = abs(g - Decimal(a["gdp_usd_million_const2015"]))
        ds = abs(spend - Decimal(a["expenditure_usd_million_const2015"]))
        worst_gap[0] = max(worst_gap[0], dg)
        worst_gap[1] = max(worst_gap[1], ds)
        ok = str(share) == a["defence_share_gdp_pct"] and dg <= tol_g and ds <= tol_s
        print("  %-22s %d: %s / %s  spend %s / %s  gdp %s / %s  %s"
              % (a["aggregate"], y, share, a["defence_share_gdp_pct"], plain(spend),
                 a["expenditure_usd_million_const2015"], plain(g),
                 a["gdp_usd_million_const2015"], "ok" if ok else "MISMATCH"))
        if not ok:
            failures.append("aggregate %s %d" % (a["aggregate"], y))

    print("  largest gap of a summed GDP vs NATO's aggregate: %s; of summed spending: %s "
          "(rounding of the per-Ally figures)" % (plain(worst_gap[0]), plain(worst_gap[1])))

    # (5) 2025 confidence summary
    print("2025 values: %d kept (medium-high): %s" % (len(accepted_2025), " ".join(sorted(accepted_2025))))
    for code, why in sorted(confidence_2025.items()):
        if why != "medium-high":
            print("  2025 %s %s" % (code, why))

    fmt = validate_format(out)
    print("format check (docs/data.md, incl. share_of_gdp, *, editions, unpublished): %s"
          % ("passed" if not fmt else "%d problem(s)" % len(fmt)))
    failures.extend(fmt[:20])
    if failures:
        for f in failures:
            print("FAIL " + f)
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Regenerate data/nato-2025/{dataset.json,line_items.csv,indicators.csv} and check them.

Usage:  python3 build.py SHARED_DATA_DIR [outdir]

SHARED_DATA_DIR holds the folders `nato/` (nato-defence-expenditure-2014-2025.csv,
for country names and accession years only) and `nato-2025/` (the August 2025
edition files).  Standard library only; values are copied as text, never
recomputed.  See README.md.
"""
import csv
import json
import os
import sys
from decimal import Decimal

CANDIDATE = "nato-de2025-candidate-table3-share-gdp-2014-2024.csv"   # S1, medium-high
SEVEN = "nato-de2025-table3-share-gdp-7allies-2dp.csv"               # S3, medium-high
FUNCTIONS = ["critical_infrastructure", "cyber_defence", "civil_preparedness",
             "innovation", "defence_industrial_base", "military_mobility",
             "border_security", "coast_guard"]
KINDS = ["ukraine_military_aid", "ukraine_non_military_aid", "pensions"]
CATEGORIES = ["equipment", "personnel", "infrastructure", "other"]
# Counts stated in the press for this edition (TASS: "In 2024, only 18 out of 32
# countries achieved this target, compared to ten a year earlier").
PRESS_COUNT = {2023: 10, 2024: 18}


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


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
    nato = read(os.path.join(shared, "nato", "nato-defence-expenditure-2014-2025.csv"))
    cand = read(os.path.join(shared, "nato-2025", CANDIDATE))
    seven = read(os.path.join(shared, "nato-2025", SEVEN))

    countries = {}
    for r in nato:
        c = {"code": r["country_code"], "name": r["country"],
             "member_from": int(r["nato_accession_year"])}
        if countries.setdefault(c["code"], c) != c:
            sys.exit("inconsistent country metadata for " + c["code"])
    countries = [countries[k] for k in sorted(countries)]
    for c in countries:
        if c["code"] == "ISL":
            c["no_expenditure"] = ("Iceland has no armed forces; NATO reports no "
                                   "defence expenditure for it")
    codes = {c["code"] for c in countries}
    member_from = {c["code"]: c["member_from"] for c in countries}

    values = {}  # (code, year) -> (text, source key)
    aggregates = {}
    for r in cand:
        key = (r["country_code"], int(r["year"]))
        if r["country_code"] not in codes:
            aggregates[key] = r["defence_share_gdp_pct"]
            continue
        if not r["defence_share_gdp_pct"]:
            sys.exit("empty value in the candidate table: %s" % (key,))
        if key in values:
            sys.exit("duplicate %s" % (key,))
        values[key] = (r["defence_share_gdp_pct"], "S1")
    for r in seven:
        if r["year"] == "2025" and r["defence_share_gdp_pct"]:
            values[(r["country_code"], 2025)] = (r["defence_share_gdp_pct"], "S3")

    items, ind = [], []
    for (code, year) in sorted(values):
        v, _ = values[(code, year)]
        items.append({"id": "%s-%d-total" % (code, year), "country": code, "year": year,
                      "amount": "", "share_of_gdp": v, "nato_category": "*",
                      "function": "", "kind": "", "tags": "", "edition": "de2025"})
    for c in sorted(codes):
        for y in range(2014, 2026):
            ind.append({"country": c, "year": y,
                        "nato_reported_share": values.get((c, y), ("", ""))[0]})

    manifest = {
        "name": "NATO defence expenditure, August 2025 edition (shares of GDP)",
        "source": "NATO, 'Defence Expenditure of NATO Countries (2014-2025)', Table 3 "
                  "(defence expenditure as a share of real GDP): 2014-2024 from a "
                  "full-precision copy of the table of unstated origin, very probably "
                  "this edition (S1); 2025 estimates from a transcription of NATO's Excel "
                  "table for CAN, FRA, GBR, ITA, TUR, USA (S3). Both rated medium-high. "
                  "Details in SOURCES.md and README.md.",
        "edition": "August 2025 edition (released 27-28 Aug 2025, data cut-off 3 Jun 2025, "
                   "2021 prices; 2024 and 2025 are estimates). Shares of GDP only.",
        "money_unit": "USD million, constant 2021 prices",
        "line_items": "line_items.csv",
        "indicators": "indicators.csv",
        "editions": [
            {"id": "de2025",
             "name": "NATO Defence Expenditure of NATO Countries (2014-2025), August 2025",
             "source": "Table 3, share of GDP: 2014-2024 public copy of the full table "
                       "(S1 in SOURCES.md), 2025 transcription of NATO's Excel table for "
                       "six Allies (S3)",
             "confidence": "medium-high (the rating SOURCES.md gives both files); the "
                           "2014-2024 table states no edition, see README"},
        ],
        "partial_years": [
            {"year": 2025,
             "reason": "the 2025 estimates of this edition could be read only for %s; "
                       "for the other Allies the only sources found are press reports, "
                       "rated below medium-high (data/nato-2025/README.md)"
                       % ", ".join(sorted(c for (c, y) in values if y == 2025))},
        ],
        "countries": countries,
        "fields": [
            {"name": "nato_category", "type": "text", "values": CATEGORIES,
             "description": "NATO breakdown category. Every item of this dataset is `*`: "
                            "the share covers equipment, personnel, infrastructure and "
                            "other together, because the split of this edition could not "
                            "be read."},
            {"name": "function", "type": "text", "values": FUNCTIONS,
             "unpublished": "NATO publishes no figures for defence- and security-related spending (the Hague 1.5% category)",
             "description": "Purpose within the broader defence- and security-related "
                            "category (Hague 2025). Declared for a vocabulary shared "
                            "with the other datasets."},
            {"name": "kind", "type": "text", "values": KINDS,
             "unpublished": "NATO publishes no separate figures for Ukraine aid or for pensions (pensions are inside personnel)",
             "description": "Special kinds of spending (Ukraine aid, pensions). Declared "
                            "for a vocabulary shared with the other datasets."},
        ],
        "tags": ["from_existing_stocks", "dual_use"],
        "unpublished_tags": "NATO publishes no figures for donations from existing stocks or for dual-use spending",
        "indicator_series": [
            {"name": "gdp", "unit": "money",
             "description": "Empty: this edition's GDP figures could not be read, so this "
                            "dataset has shares of GDP only. Rules stated against GDP "
                            "are measured on the published shares; rules that need "
                            "amounts have no data."},
            {"name": "nato_reported_share", "unit": "percent",
             "description": "The same published share of GDP as the line items' "
                            "share_of_gdp (Table 3, August 2025 edition), so that rules "
                            "written against `nato_reported_share` work on this edition "
                            "too. 2014-2024: 31 Allies, full precision; 2025: CAN, FRA, "
                            "GBR, ITA, TUR, USA, 2 d.p."},
        ],
    }

    cols = ["id", "country", "year", "amount", "share_of_gdp", "nato_category",
            "function", "kind", "tags", "edition"]
    with open(os.path.join(out, "line_items.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(items)
    with open(os.path.join(out, "indicators.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["country", "year", "gdp", "nato_reported_share"],
                           lineterminator="\n", restval="")
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
    n_cand = sum(1 for k, v in values.items() if v[1] == "S1")
    n_2025 = sum(1 for k, v in values.items() if v[1] == "S3")
    print("countries: %d, line items: %d (%d for 2014-2024, %d for 2025), indicator rows: %d"
          % (len(countries), len(items), n_cand, n_2025, len(ind)))
    if n_cand != 31 * 11:
        failures.append("expected 341 Ally-years 2014-2024, got %d" % n_cand)
    # every S1 value must be the S3 value at 2 d.p. (S3 covers 7 Allies 2014-2024)
    agree = 0
    for r in seven:
        y = int(r["year"])
        if y <= 2024:
            full = Decimal(values[(r["country_code"], y)][0])
            if full.quantize(Decimal("0.01")) == Decimal(r["defence_share_gdp_pct"]):
                agree += 1
            else:
                failures.append("S1/S3 disagree %s %d" % (r["country_code"], y))
    print("S1 values that equal the S3 transcription at 2 d.p.: %d of 77" % agree)
    print("Allies at or above 2% of GDP (members in that year), per year:")
    counts = {}
    for y in range(2014, 2026):
        at = sorted(c for (c, yy), v in values.items()
                    if yy == y and member_from[c] <= y and Decimal(v[0]) >= 2)
        have = sum(1 for (c, yy) in values if yy == y and member_from[c] <= y)
        counts[y] = len(at)
        print("  %d: %d of %d with a value%s" % (y, len(at), have,
              "" if y < 2024 else " (" + " ".join(at) + ")"))
    for y, want in PRESS_COUNT.items():
        if counts[y] != want:
            failures.append("%d: %d at 2%%, the press reports %d" % (y, counts[y], want))
    print("aggregates in the table (not recomputable here, no GDP): NATO Total 2024 %s, "
          "Europe and Canada 2024 %s" % (aggregates[("NATO_TOTAL", 2024)],
                                        aggregates[("NATO_EUROPE_CANADA", 2024)]))
    if Decimal(aggregates[("NATO_TOTAL", 2024)]).quantize(Decimal("0.01")) != Decimal("2.61"):
        failures.append("NATO Total 2024 is not 2.61")
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

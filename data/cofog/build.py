#!/usr/bin/env python3
"""Regenerate data/cofog/{dataset.json,line_items.csv,indicators.csv} and check them.

Usage:
    python3 build.py /path/to/cofog-general-government-by-function.csv [NATO_CSV] [outdir]

NATO_CSV (nato-defence-expenditure-2014-2025.csv) supplies country names and
accession years.  If it is omitted, they are read from ../nato/dataset.json,
which build.py in data/nato/ copies verbatim from that same CSV.

Standard library only; no floating point is used for data values.
"""
import csv
import json
import os
import sys
from decimal import Decimal, getcontext

getcontext().prec = 60

EUROSTAT_L1 = "ESTAT_gov_10a_exp_2026-07-21__DVNS"
EUROSTAT_FRA_L2 = "ESTAT_gov_10a_exp_2026-09-16__datapressr"
EUROSTAT_GF0405 = "ESTAT_gov_10a_exp_2026-08-26__czbudget"
IMF = "IMF_GFS_COFOG_11.0.0_2026-02-03__cofog-panel"
# Countries whose national currency is the euro in every year of the source
# (SOURCES.md: "EUR for DEU/ESP/FIN/GRC/NLD (for these, MIO_NAC = MIO_EUR)").
EURO_NAC = {"DEU", "ESP", "FIN", "GRC", "NLD"}
FLAG_TAG = {"p": "provisional", "b": "break_in_series"}
YEARS = [str(y) for y in range(2014, 2025)]
SHARE_COLS = [("gf02_share_pct", "GF02"), ("gf03_share_pct", "GF03"),
              ("gf04_share_pct", "GF04"), ("total_share_pct", "TOTAL")]


def level(code):
    if code == "TOTAL":
        return "total"
    if len(code) == 4:
        return "division"
    if len(code) == 6:
        return "group"
    sys.exit("unknown COFOG code " + code)


def code_key(code):
    return ("0" if code == "TOTAL" else "1") + code


def load_countries(nato_arg, here):
    if nato_arg:
        out = {}
        with open(nato_arg, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                out[r["country_code"]] = {"code": r["country_code"], "name": r["country"],
                                          "member_from": int(r["nato_accession_year"])}
        return out
    with open(os.path.join(here, "..", "nato", "dataset.json"), encoding="utf-8") as f:
        return {c["code"]: c for c in json.load(f)["countries"]}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[1]
    nato_arg = sys.argv[2] if len(sys.argv) > 2 else None
    out = sys.argv[3] if len(sys.argv) > 3 else here
    with open(src, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))

    seen = set()
    for r in rows:
        k = (r["country_code"], r["year"], r["cofog"], r["unit"], r["source"])
        assert k not in seen, "duplicate source row %r" % (k,)
        seen.add(k)
        Decimal(r["value"])  # must parse

    # ---- line items: money in EUR million ---------------------------------
    items, labels = [], {}
    for r in rows:
        labels[r["cofog"]] = r["cofog_label"]
        if r["unit"] == "MIO_EUR":
            pass
        elif r["unit"] == "MIO_NAC" and r["country_code"] in EURO_NAC:
            assert r["source"] == EUROSTAT_GF0405
        else:
            continue
        tags = FLAG_TAG[r["flag"]] if r["flag"] else ""
        items.append({"id": "%s-%s-%s" % (r["country_code"], r["year"], r["cofog"]),
                      "country": r["country_code"], "year": r["year"],
                      "amount": r["value"],  # source text, unchanged
                      "cofog": r["cofog"], "cofog_level": level(r["cofog"]),
                      "source": r["source"], "tags": tags})
    items.sort(key=lambda i: (i["country"], i["year"], code_key(i["cofog"])))
    ids = [i["id"] for i in items]
    assert len(ids) == len(set(ids)), "two money values for one country-year-code"

    # ---- indicators --------------------------------------------------------
    pc = {}
    for r in rows:
        if r["unit"] == "PC_GDP" and r["source"] in (EUROSTAT_L1, IMF):
            pc[(r["country_code"], r["year"], r["cofog"], r["source"])] = r["value"]
    all_countries = sorted({r["country_code"] for r in rows})
    ind = []
    for c in all_countries:
        for y in YEARS:
            row = {"country": c, "year": y}
            for col, code in SHARE_COLS:
                row[col] = pc.get((c, y, code, EUROSTAT_L1), "")
            row["imf_gf02_share_pct"] = pc.get((c, y, "GF02", IMF), "")
            ind.append(row)
    assert {r["year"] for r in rows} <= set(YEARS)

    # ---- countries -----------------------------------------------------------
    nato = load_countries(nato_arg, here)
    countries = [nato[c] for c in all_countries]

    codes = sorted(labels, key=code_key)
    sources = sorted({i["source"] for i in items})
    label_text = "; ".join("%s %s" % (c, labels[c]) for c in codes)

    manifest = {
        "name": "COFOG general government expenditure by function (Eurostat 2026, IMF GF02 shares)",
        "source": "Eurostat gov_10a_exp (general government S13, total expenditure TE, "
                  "consolidated) as stored in public repositories; IMF GFS_COFOG 11.0.0 "
                  "GF02 % of GDP. Details in SOURCES.md.",
        "edition": "Eurostat releases of 2026-07-21 (levels 1 and TOTAL), 2026-08-26 "
                   "(GF0405) and 2026-09-16 (France groups); IMF publication 2026-02-03. "
                   "Years 2014-2024.",
        "money_unit": "EUR million, current prices",
        "line_items": "line_items.csv",
        "indicators": "indicators.csv",
        "countries": countries,
        "fields": [
            {"name": "cofog", "type": "text", "values": codes,
             "description": "COFOG 1999 code (Eurostat spelling). Labels: " + label_text +
                            ". TOTAL contains every division, and a division contains "
                            "its groups: select exactly one level to avoid double "
                            "counting."},
            {"name": "cofog_level", "type": "text",
             "values": ["total", "division", "group"],
             "description": "total = TOTAL (all functions); division = GF02, GF03, GF04 "
                            "(COFOG level 1); group = GF0201 ... GF0409 (COFOG level 2; "
                            "complete only for FRA, GF0405 only for DEU, ESP, FIN, GRC, "
                            "NLD)."},
            {"name": "source", "type": "text", "values": sources,
             "description": "Which stored extract the amount was read from (see "
                            "SOURCES.md sections 1-3)."},
        ],
        "tags": ["provisional", "break_in_series"],
        "indicator_series": [
            {"name": "gf02_share_pct", "unit": "percent",
             "description": "GF02 Defence, % of GDP, Eurostat only, as published "
                            "(rounded by Eurostat to 0.1)."},
            {"name": "gf03_share_pct", "unit": "percent",
             "description": "GF03 Public order and safety, % of GDP, Eurostat only, as "
                            "published (rounded to 0.1)."},
            {"name": "gf04_share_pct", "unit": "percent",
             "description": "GF04 Economic affairs, % of GDP, Eurostat only, as "
                            "published (rounded to 0.1)."},
            {"name": "total_share_pct", "unit": "percent",
             "description": "TOTAL general government expenditure, % of GDP, Eurostat "
                            "only, as published (rounded to 0.1)."},
            {"name": "imf_gf02_share_pct", "unit": "percent",
             "description": "GF02 Defence, % of GDP, IMF GFS_COFOG (Feb 2026), full "
                            "precision as published; ALB, CAN, GBR, TUR, USA 2014-2023 "
                            "only."},
        ],
    }

    cols = ["id", "country", "year", "amount", "cofog", "cofog_level", "source", "tags"]
    with open(os.path.join(out, "line_items.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(items)
    icols = ["country", "year"] + [c for c, _ in SHARE_COLS] + ["imf_gf02_share_pct"]
    with open(os.path.join(out, "indicators.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=icols, lineterminator="\n")
        w.writeheader()
        w.writerows(ind)
    with open(os.path.join(out, "dataset.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2)
        f.write("\n")

    # ---- checks ----------------------------------------------------------
    amt = {(i["country"], i["year"], i["cofog"]): Decimal(i["amount"]) for i in items}
    print("countries: %d, line items: %d, indicator rows: %d"
          % (len(countries), len(items), len(ind)))
    by_src = {}
    for i in items:
        by_src[i["source"]] = by_src.get(i["source"], 0) + 1
    for s in sorted(by_src):
        print("  items from %s: %d" % (s, by_src[s]))

    # 1. groups add to their division (France complete level 2)
    worst = (Decimal(0), None)
    for (c, y, code), v in amt.items():
        if level(code) != "division":
            continue
        groups = [amt[k] for k in amt if k[0] == c and k[1] == y and level(k[2]) == "group"
                  and k[2].startswith(code)]
        if c == "FRA" and groups:
            gap = abs(sum(groups) - v)
            if gap > worst[0]:
                worst = (gap, (c, y, code))
        for g in groups:  # any group must not exceed its division
            assert g <= v, (c, y, code)
    print("FRA: largest |sum of groups - division| = %s MIO_EUR at %s" % worst)
    assert worst[0] <= Decimal("0.35")

    # 2. divisions never exceed TOTAL
    for (c, y, code), v in amt.items():
        if level(code) == "division":
            assert v <= amt[(c, y, "TOTAL")], (c, y, code)

    # 3. published rounded shares are consistent with the amounts (diagnostic only:
    #    the implied GDP below is NOT written anywhere)
    worst_gap = (Decimal(0), None)
    min_total = (Decimal(100), None)
    for c in all_countries:
        for y in YEARS:
            t = pc.get((c, y, "TOTAL", EUROSTAT_L1))
            if t is None:
                continue
            t = Decimal(t)
            if t < min_total[0]:
                min_total = (t, (c, y))
            gdp_implied = amt[(c, y, "TOTAL")] / t * 100
            for code in ("GF02", "GF03", "GF04"):
                share = amt[(c, y, code)] / gdp_implied * 100
                gap = abs(share - Decimal(pc[(c, y, code, EUROSTAT_L1)]))
                if gap > worst_gap[0]:
                    worst_gap = (gap, (c, y, code))
    print("largest gap between published 0.1-rounded share and share recomputed "
          "with TOTAL-implied GDP: %s pp at %s"
          % (worst_gap[0].quantize(Decimal("0.0001")), worst_gap[1]))
    print("smallest published TOTAL share: %s at %s -> TOTAL-implied GDP could be off "
          "by up to %s %% (relative)"
          % (min_total[0], min_total[1],
             (Decimal("0.05") / (min_total[0] - Decimal("0.05")) * 100).quantize(Decimal("0.001"))))
    assert worst_gap[0] < Decimal("0.1")
    print("checks passed")


if __name__ == "__main__":
    main()

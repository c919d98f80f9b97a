#!/usr/bin/env python3
"""Regenerate data/cofog/{dataset.json,line_items.csv,indicators.csv} and check them.

Usage:
    python3 build.py /path/to/cofog-general-government-by-function.csv [NATO_CSV] [outdir]

NATO_CSV (nato-defence-expenditure-2014-2025.csv) supplies country names and
accession years.  If it is omitted, they are read from ../nato/dataset.json,
which build.py in data/nato/ copies verbatim from that same CSV.

Standard library only; no floating point is used for data values.

Every value is copied from the source text unchanged, except the one derived
series `gdp` (see derive_gdp below and README.md, "The derived `gdp`").
"""
import csv
import json
import os
import sys
from decimal import ROUND_HALF_EVEN, Decimal, getcontext

getcontext().prec = 60
# The derived GDP is written with this many decimal places (EUR million).
GDP_PLACES = Decimal("0.000001")
# Eurostat rounds PC_GDP to 0.1, so a published share s stands for a true
# share anywhere in [s - 0.05, s + 0.05].
HALF_STEP = Decimal("0.05")

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


def derive_gdp(total_mio_eur, total_pc_gdp):
    """GDP in EUR million implied by TOTAL expenditure and its share of GDP.

    gdp = TOTAL MIO_EUR / (TOTAL PC_GDP / 100), computed with 60 significant
    digits and rounded half-even to 6 decimal places (the rounding moves it by
    at most EUR 0.5, i.e. 0.0000005 EUR million).
    """
    exact = Decimal(total_mio_eur) / (Decimal(total_pc_gdp) / 100)
    return exact.quantize(GDP_PLACES, rounding=ROUND_HALF_EVEN)


def plain(d):
    """A decimal as plain text without trailing zeros after the point."""
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


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
                      "extract": r["source"], "tags": tags})
    items.sort(key=lambda i: (i["country"], i["year"], code_key(i["cofog"])))
    ids = [i["id"] for i in items]
    assert len(ids) == len(set(ids)), "two money values for one country-year-code"

    # ---- indicators --------------------------------------------------------
    pc = {}
    for r in rows:
        if r["unit"] == "PC_GDP" and r["source"] in (EUROSTAT_L1, IMF):
            pc[(r["country_code"], r["year"], r["cofog"], r["source"])] = r["value"]
    total_eur = {(i["country"], i["year"]): i["amount"] for i in items
                 if i["cofog"] == "TOTAL" and i["extract"] == EUROSTAT_L1}
    all_countries = sorted({r["country_code"] for r in rows})
    ind = []
    gdp = {}
    for c in all_countries:
        for y in YEARS:
            row = {"country": c, "year": y, "gdp": ""}
            t_eur = total_eur.get((c, y))
            t_pc = pc.get((c, y, "TOTAL", EUROSTAT_L1))
            if t_eur is not None and t_pc is not None:
                gdp[(c, y)] = derive_gdp(t_eur, t_pc)
                row["gdp"] = plain(gdp[(c, y)])
            for col, code in SHARE_COLS:
                row[col] = pc.get((c, y, code, EUROSTAT_L1), "")
            row["imf_gf02_share_pct"] = pc.get((c, y, "GF02", IMF), "")
            ind.append(row)
    assert {r["year"] for r in rows} <= set(YEARS)

    # ---- countries -----------------------------------------------------------
    nato = load_countries(nato_arg, here)
    countries = [nato[c] for c in all_countries]

    codes = sorted(labels, key=code_key)
    sources = sorted({i["extract"] for i in items})
    label_text = "; ".join("%s %s" % (c, labels[c]) for c in codes)

    manifest = {
        "name": "COFOG general government expenditure by function (Eurostat 2026, IMF GF02 shares)",
        "source": "Eurostat gov_10a_exp (general government S13, total expenditure TE, "
                  "consolidated) as stored in public repositories; IMF GFS_COFOG 11.0.0 "
                  "GF02 % of GDP. Details in SOURCES.md. The gdp series is derived "
                  "from TOTAL expenditure, not published: see its description.",
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
            {"name": "extract", "type": "text", "values": sources,
             "description": "Which stored extract the amount was read from (see "
                            "SOURCES.md sections 1-3; the column `source` there)."},
        ],
        "tags": ["provisional", "break_in_series"],
        "indicator_series": [
            {"name": "gdp", "unit": "money",
             "description": "GDP, EUR million at current prices, DERIVED, not published: "
                            "TOTAL general government expenditure in MIO_EUR / (TOTAL "
                            "expenditure PC_GDP / 100), for each country and year that has "
                            "both (the 25 Eurostat countries, 2014-2024), computed with "
                            "Python's decimal module and rounded to 6 decimal places. "
                            "Eurostat rounds PC_GDP to 0.1, so the true GDP may differ "
                            "from this one by up to about 0.15% (worst case LTU 2017, "
                            "TOTAL 33.4% of GDP: between -0.1495% and +0.1499%), and a "
                            "share of GDP computed with it may be off by the same relative "
                            "amount (about 0.002 points on a 1.5% share). Fit for drafts "
                            "of the 1.5% category; not for checking published NATO "
                            "shares. "
                            "Empty for ALB, CAN, GBR, TUR, USA."},
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

    cols = ["id", "country", "year", "amount", "cofog", "cofog_level", "extract", "tags"]
    with open(os.path.join(out, "line_items.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(items)
    icols = ["country", "year", "gdp"] + [c for c, _ in SHARE_COLS] + ["imf_gf02_share_pct"]
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
        by_src[i["extract"]] = by_src.get(i["extract"], 0) + 1
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

    # 3. the derived gdp: where it exists, how it was rounded, how far the
    #    0.1 rounding of the published TOTAL share may put it from the true GDP
    eurostat = sorted({c for (c, _, _, src) in pc if src == EUROSTAT_L1})
    assert sorted({c for c, _ in gdp}) == eurostat and len(gdp) == len(eurostat) * len(YEARS)
    print("gdp derived for %d countries x %d years = %d rows; empty for %s"
          % (len(eurostat), len(YEARS), len(gdp),
             ", ".join(c for c in all_countries if c not in eurostat)))
    worst_band = (Decimal(0), None, None, None)
    for (c, y), g in sorted(gdp.items()):
        t_eur = Decimal(total_eur[(c, y)])
        t_pc = Decimal(pc[(c, y, "TOTAL", EUROSTAT_L1)])
        exact = t_eur / (t_pc / 100)
        assert abs(g - exact) <= Decimal("0.0000005"), (c, y)
        # The written gdp gives back the published TOTAL share.
        assert abs(t_eur / g * 100 - t_pc) < Decimal("1e-9"), (c, y)
        # The true share lies in [t_pc - 0.05, t_pc + 0.05], so the true GDP
        # lies between g * t_pc / (t_pc + 0.05) and g * t_pc / (t_pc - 0.05).
        low = t_pc / (t_pc + HALF_STEP) - 1
        high = t_pc / (t_pc - HALF_STEP) - 1
        if high > worst_band[0]:
            worst_band = (high, (c, y), low, t_pc)
    high, where, low, t_pc = worst_band
    print("largest possible error of the derived gdp: %s (TOTAL %s%% of GDP): the true "
          "GDP lies between %s%% and +%s%% of it"
          % (where, t_pc, (low * 100).quantize(Decimal("0.0001")),
             (high * 100).quantize(Decimal("0.0001"))))
    assert where == ("LTU", "2017") and t_pc == Decimal("33.4")
    assert (high * 100).quantize(Decimal("0.0001")) == Decimal("0.1499")
    assert (low * 100).quantize(Decimal("0.0001")) == Decimal("-0.1495")
    for share in ("1.5", "2", "3.5"):
        print("  so a share of %s%% computed with it may be off by up to %s points"
              % (share, (Decimal(share) * high).quantize(Decimal("0.0001"))))

    # 4. published rounded shares are consistent with the amounts and the gdp
    worst_gap = (Decimal(0), None)
    for (c, y), g in gdp.items():
        for code in ("GF02", "GF03", "GF04"):
            share = amt[(c, y, code)] / g * 100
            gap = abs(share - Decimal(pc[(c, y, code, EUROSTAT_L1)]))
            if gap > worst_gap[0]:
                worst_gap = (gap, (c, y, code))
    print("largest gap between published 0.1-rounded share and share recomputed "
          "with the derived gdp: %s pp at %s"
          % (worst_gap[0].quantize(Decimal("0.0001")), worst_gap[1]))
    assert worst_gap[0] < Decimal("0.1")

    # 5. the files written hold the source texts unchanged
    source_text = {}
    for r in rows:
        source_text[(r["country_code"], r["year"], r["cofog"], r["unit"], r["source"])] = r["value"]
    with open(os.path.join(out, "line_items.csv"), newline="", encoding="utf-8") as f:
        for i in csv.DictReader(f):
            unit = "MIO_NAC" if i["extract"] == EUROSTAT_GF0405 else "MIO_EUR"
            assert source_text[(i["country"], i["year"], i["cofog"], unit, i["extract"])] \
                == i["amount"], i["id"]
    with open(os.path.join(out, "indicators.csv"), newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            for col, code in SHARE_COLS:
                assert r[col] == pc.get((r["country"], r["year"], code, EUROSTAT_L1), "")
            assert r["imf_gf02_share_pct"] == pc.get((r["country"], r["year"], "GF02", IMF), "")
            if r["gdp"]:
                assert Decimal(r["gdp"]) == gdp[(r["country"], r["year"])]
    print("checks passed")


if __name__ == "__main__":
    main()

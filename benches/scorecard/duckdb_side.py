"""The DuckDB side of the side-by-side benchmark (benches/scorecard).

Computes what benches/scorecard/bench.pledge computes, with one SQL query, and
prints `requirement,country,year,status,value` (value in hundredths), sorted.
Usage: python3 duckdb_side.py DATASET_DIR
"""

import sys

import duckdb

folder = sys.argv[1]
con = duckdb.connect()
rows = con.execute(
    """
    WITH items AS (
      SELECT * FROM read_csv(?, header = true, columns = {
        'id': 'VARCHAR', 'country': 'VARCHAR', 'year': 'INTEGER',
        'amount': 'DECIMAL(18,2)', 'nato_category': 'VARCHAR',
        'function': 'VARCHAR', 'kind': 'VARCHAR', 'tags': 'VARCHAR'})
    ),
    flagged AS (
      SELECT country, year, amount, function,
        coalesce(nato_category IN ('equipment', 'personnel', 'infrastructure', 'other'), false)
        OR (coalesce(kind = 'ukraine_military_aid', false)
            AND NOT list_contains(string_split(coalesce(tags, ''), ';'), 'from_existing_stocks'))
          AS in_core
      FROM items
    ),
    totals AS (
      SELECT country, year,
        sum(CASE WHEN in_core THEN amount ELSE 0 END) AS core,
        sum(CASE
              WHEN in_core THEN 0
              WHEN function IN ('critical_infrastructure', 'cyber_defence', 'civil_preparedness',
                                'innovation', 'defence_industrial_base') THEN amount
              WHEN function = 'military_mobility' THEN amount * 0.5
              ELSE 0 END) AS related
      FROM flagged GROUP BY country, year
    ),
    gdp AS (
      SELECT * FROM read_csv(?, header = true, columns = {
        'country': 'VARCHAR', 'year': 'INTEGER', 'gdp': 'DECIMAL(38,2)'})
    )
    SELECT t.country, t.year,
      CAST(t.core * 100 AS BIGINT), t.core >= g.gdp * 0.02,
      CAST(t.related * 100 AS BIGINT), t.related >= g.gdp * 0.005
    FROM totals t JOIN gdp g USING (country, year)
    """,
    [folder + "/line_items.csv", folder + "/indicators.csv"],
).fetchall()

out = []
for country, year, core, core_met, related, related_met in rows:
    out.append(f"core_floor,{country},{year},{'met' if core_met else 'not_met'},{core}")
    out.append(f"related_floor,{country},{year},{'met' if related_met else 'not_met'},{related}")
out.sort()
sys.stdout.write("\n".join(out) + "\n")

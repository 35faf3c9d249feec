"""The per-source benchmark harness still runs: one declared source at a tiny size.

Not a benchmark (no figure is checked against a target): it keeps `bench/per_source.py`,
its fake-API process, both contenders and the README table generator from rotting.
"""

from __future__ import annotations

import pytest

from bench import per_source, source_table

SOURCE = "taboola"  # a declared source: its fake is generated from its declarations


@pytest.mark.slow  # a benchmark harness end to end (fake in its own process, fresh processes): make test-slow
def test_the_per_source_harness_measures_a_declared_source_at_a_tiny_size():
    result = per_source.measure(SOURCE, seconds=1.0, rounds=1, knob_1x=1)

    assert result["stream"] == "campaign_day" and result["fake"] == "generated"
    one, ten = result["one_x"], result["ten_x"]
    # campaigns=1: 2 accounts x 1 campaign x 30 days; 10x: 10 campaigns
    assert one["rows"] == 2 * 1 * 30 and ten["rows"] == 2 * 10 * 30
    assert one["raw_rows"] >= one["rows"], "the raw baseline replayed our requests and loaded their records"
    assert result["ours_over_raw"] > 0 and result["rss_10x_over_1x"] > 0 and "note" not in result
    assert [row.ok is not None for row in per_source.rows_for(result)] == [True, True]

    text = source_table.table([result], [SOURCE, "acme_ads"])
    assert f"| `{SOURCE}` | `campaign_day` | generated | quick | 60 |" in text
    assert "| `acme_ads` |" in text and "not measured yet" in text  # every registered source has a row


def test_the_table_is_written_between_its_markers_only():
    readme = f"intro\n{source_table.BEGIN}\nold table\n{source_table.END}\nafter\n"
    assert source_table.render(readme, "new table") == f"intro\n{source_table.BEGIN}\nnew table\n{source_table.END}\nafter\n"


def test_the_size_comes_from_the_fixed_cost_and_the_cost_per_row_of_two_probes():
    from bench.per_source import size_for

    # 1,000 rows a knob step of 10; 2 s fixed, 0.2 ms a row: 10 s is 40,000 rows, knob 400
    probes = [{"knob": 10, "rows": 1000, "seconds": 2.2}, {"knob": 40, "rows": 4000, "seconds": 2.8}]
    assert size_for(probes, 10.0) == 400
    # rows that do not grow with the knob cannot size anything: the one-probe estimate stays
    flat = [{"knob": 10, "rows": 1000, "seconds": 1.9}, {"knob": 40, "rows": 1000, "seconds": 1.8}]
    assert size_for(flat, 10.0) == round(40 * (1000 / 0.8) * 10 / 1000)


def test_a_size_whose_first_sync_is_short_grows_by_what_it_took_past_the_fixed_cost():
    from bench.per_source import OVERHEAD_S, regrown

    assert regrown(400, 6.0, 10.0) is None  # over half the target: it stands
    # 3 s, 2 of them past the fixed second: 9 s past it is 4.5x the rows
    assert regrown(400, 3.0, 10.0) == round(400 * (10.0 - OVERHEAD_S) / (3.0 - OVERHEAD_S))
    assert regrown(40_000, 0.8, 10.0) == 400_000  # all fixed cost (Bing Webmaster): at most 10x


def test_the_raw_baseline_reads_a_csv_after_its_preamble_and_lists_kept_by_key():
    import orjson
    import pyarrow as pa

    from bench.source_contenders import answer_table

    report = (b"bosco cm360 placement_daily\n\nReport Fields\nDate,Placement ID,Clicks\n"
              b"2026-11-01,51000001,312\n2026-11-02,51000002,98\nGrand Total:,,410\n")
    table = answer_table(report, "text/csv", pa)
    assert table.column_names == ["Date", "Placement ID", "Clicks"] and table.column("Clicks").to_pylist() == [312, 98, 410]
    by_ad = {"111": [{"AD_ID": "111", "SPEND": 1}, {"AD_ID": "111", "SPEND": 2}], "222": [{"AD_ID": "222", "SPEND": 3}]}
    assert answer_table(orjson.dumps(by_ad), "application/json", pa).column("SPEND").to_pylist() == [1, 2, 3]
    plain = b"a,b\n1,2\n"
    assert answer_table(plain, "text/csv", pa).num_rows == 1

"""The Cat-Scan catalogue on real PostgreSQL: each contract PASS, WARN, FAIL (and SKIP).

Data comes from contracts_seeding.Seed: `healthy()` passes everything, each
test breaks exactly what its contract guards.
"""

import pytest

from driftgate.checks.contracts import ContractRun
from driftgate.policies.contracts import load_catalogue, summarise
from driftgate.policies.pack import load_pack

CATALOGUE = load_catalogue(load_pack())
CONTRACT_IDS = [c.id for c in CATALOGUE.contracts]


def verdict(gate_dsn, contract_id, strict=False, buyer_filter=None):
    run = ContractRun(CATALOGUE, gate_dsn, strict=strict, buyer_filter=buyer_filter)
    try:
        return run.result(contract_id)
    finally:
        run.close()


def test_the_pack_has_every_contract_of_the_spec():
    assert CONTRACT_IDS == [
        "C-ING-001",
        "C-ING-002",
        "C-EPT-001",
        "C-PRE-002",
        "C-PRE-003",
        "C-DAT-001",
        "C-DAT-002",
        "C-KEY-001",
        "C-KEY-002",
        "C-KEY-003",
    ]


@pytest.mark.parametrize("contract_id", CONTRACT_IDS)
def test_healthy_data_passes(seed, gate_dsn, contract_id):
    seed.healthy()
    result = verdict(gate_dsn, contract_id)
    assert (result.status, result.contract_id) == ("PASS", contract_id), result.message


def test_a_full_healthy_run_is_all_pass(seed, gate_dsn):
    seed.healthy()
    run = ContractRun(CATALOGUE, gate_dsn)
    results = run.run_all()
    run.close()
    assert summarise(results) == {"pass": 10, "warn": 0, "fail": 0}


# C-ING-001 ingestion runs logged


def test_ing_001_fails_when_no_run_was_ever_logged(seed, gate_dsn):
    seed.healthy().execute("DELETE FROM ingestion_runs")
    result = verdict(gate_dsn, "C-ING-001")
    assert (result.status, result.message) == ("FAIL", "ingestion_runs is empty")


def test_ing_001_warns_on_stale_unfinished_runs_listing_ten_oldest_first(seed, gate_dsn):
    seed.healthy().run(started_hours_ago=0.5, finished=False)  # running, not stale
    for hours in range(2, 14):  # 12 stale runs, 2 h to 13 h old
        seed.run(started_hours_ago=hours, finished=False)
    result = verdict(gate_dsn, "C-ING-001")
    assert result.status == "WARN"
    assert result.message.startswith("12 run(s) started over 1 h ago have no finished_at")
    assert result.message.endswith("and 2 more")
    (finding,) = result.details["findings"]
    assert finding["count"] == 12 and len(finding["rows"]) == 10
    started = [row["started_at"] for row in finding["rows"]]
    assert started == sorted(started)  # oldest first
    assert finding["rows"][0]["started_at"] < finding["rows"][-1]["started_at"]


def test_ing_001_a_run_under_an_hour_old_is_not_stale(seed, gate_dsn):
    seed.healthy().run(started_hours_ago=0.5, finished=False)
    assert verdict(gate_dsn, "C-ING-001").status == "PASS"


# C-ING-002 import coverage


def test_ing_002_fails_for_an_active_buyer_without_a_recent_import(seed, gate_dsn):
    seed.healthy().execute("UPDATE import_history SET imported_at = now() - interval '49 hours'")
    result = verdict(gate_dsn, "C-ING-002")
    assert result.status == "FAIL"
    assert (
        result.message == "1 active buyer(s) without an import in the last 48 h: b1 (bidder_id=b1)"
    )


def test_ing_002_a_filename_containing_the_buyer_counts(seed, gate_dsn):
    seed.healthy().execute("DELETE FROM import_history")
    seed.imported(buyer_id=None, filename="catscan-b1-2026-11-27.csv")
    assert verdict(gate_dsn, "C-ING-002").status == "PASS"


def test_ing_002_inactive_seats_need_no_import(seed, gate_dsn):
    seed.healthy().seat("b2", active=False)
    assert verdict(gate_dsn, "C-ING-002").status == "PASS"


# C-EPT-001 endpoint observations current


def test_ept_001_warns_when_no_endpoint_is_known(seed, gate_dsn):
    seed.healthy().execute("DELETE FROM rtb_endpoints")
    result = verdict(gate_dsn, "C-EPT-001")
    assert (result.status, result.message) == ("WARN", "rtb_endpoints is empty")


def test_ept_001_fails_on_an_old_or_missing_observation(seed, gate_dsn):
    seed.healthy().endpoint(endpoint_id="e2", observed_hours_ago=25)
    seed.endpoint(endpoint_id="e3", observed_hours_ago=None)
    result = verdict(gate_dsn, "C-EPT-001")
    assert result.status == "FAIL"
    assert result.message.startswith("2 endpoint(s) not observed in the last 24 h")
    rows = result.details["findings"][0]["rows"]
    assert [r["endpoint_id"] for r in rows] == ["e3", "e2"]  # never observed first


def test_ept_001_an_observation_23_hours_old_is_current(seed, gate_dsn):
    seed.healthy().endpoint(endpoint_id="e2", observed_hours_ago=23)
    assert verdict(gate_dsn, "C-EPT-001").status == "PASS"


# C-PRE-002 active configs precomputed


def test_pre_002_fails_for_an_uncovered_config_synced_before_the_refresh(seed, gate_dsn):
    seed.healthy().config(config_id="cfg2", billing_id="bill2", synced_hours_ago=48)
    result = verdict(gate_dsn, "C-PRE-002")
    assert result.status == "FAIL"
    assert "synced before the last home_summaries refresh: b1 (config_id=cfg2" in result.message


def test_pre_002_warns_for_a_config_synced_after_the_refresh(seed, gate_dsn):
    seed.healthy().config(config_id="cfg2", billing_id="bill2", synced_hours_ago=0.1)
    result = verdict(gate_dsn, "C-PRE-002")
    assert result.status == "WARN"
    assert "pending refresh" in result.message


def test_pre_002_compares_with_home_summaries_not_other_caches(seed, gate_dsn):
    seed.healthy().config(config_id="cfg2", billing_id="bill2", synced_hours_ago=3)
    seed.execute(
        "UPDATE precompute_refresh_log SET refreshed_at = refreshed_at - interval '5 hours'"
    )
    seed.refreshed(hours_ago=0.1, cache_name="other_cache")  # newer, but not home_summaries
    assert verdict(gate_dsn, "C-PRE-002").status == "WARN"  # synced after home_summaries' refresh
    seed.refreshed(hours_ago=1)  # home_summaries refreshed after the sync: now it is late
    assert verdict(gate_dsn, "C-PRE-002").status == "FAIL"


def test_pre_002_never_refreshed_fails_closed(seed, gate_dsn):
    seed.healthy().execute("DELETE FROM precompute_refresh_log")
    seed.config(config_id="cfg2", billing_id="bill2", synced_hours_ago=0.1)
    assert verdict(gate_dsn, "C-PRE-002").status == "FAIL"


def test_pre_002_skips_without_active_configs(seed, gate_dsn):
    seed.healthy().execute("UPDATE pretargeting_configs SET state = 'PAUSED'")
    result = verdict(gate_dsn, "C-PRE-002")
    assert result.status == "SKIP"


# C-PRE-003 publisher breakdown present


def test_pre_003_fails_without_publisher_rows_while_rtb_daily_has_publishers(seed, gate_dsn):
    seed.healthy().execute("DELETE FROM pretarg_publisher_daily")
    result = verdict(gate_dsn, "C-PRE-003")
    assert result.status == "FAIL"
    assert result.message.endswith("although rtb_daily has publisher ids: b1 (bidder_id=b1)")


def test_pre_003_warns_when_rtb_daily_has_no_publishers_either(seed, gate_dsn):
    seed.healthy().execute("DELETE FROM pretarg_publisher_daily")
    seed.execute("UPDATE rtb_daily SET publisher_id = NULL")
    assert verdict(gate_dsn, "C-PRE-003").status == "WARN"


def test_pre_003_warn_is_fail_when_strict(seed, gate_dsn):
    seed.healthy().execute("DELETE FROM pretarg_publisher_daily")
    seed.execute("UPDATE rtb_daily SET publisher_id = ''")
    result = verdict(gate_dsn, "C-PRE-003", strict=True)
    assert result.status == "FAIL"
    assert result.message.endswith("(FAIL in strict mode)")


def test_pre_003_skips_when_no_buyer_has_pretarg_rows_in_the_window(seed, gate_dsn):
    seed.healthy().execute("UPDATE pretarg_daily SET metric_date = current_date - 30")
    assert verdict(gate_dsn, "C-PRE-003").status == "SKIP"


# C-DAT-001 per-seat freshness


@pytest.mark.parametrize(
    ("newest_days_ago", "status"), [(3, "PASS"), (4, "WARN"), (5, "WARN"), (6, "FAIL")]
)
def test_dat_001_thresholds(seed, gate_dsn, newest_days_ago, status):
    seed.healthy().execute("DELETE FROM rtb_daily")
    seed.rtb(days_ago=newest_days_ago)
    assert verdict(gate_dsn, "C-DAT-001").status == status


def test_dat_001_a_seat_without_data_fails(seed, gate_dsn):
    seed.healthy().seat("b2")
    result = verdict(gate_dsn, "C-DAT-001")
    assert result.status == "FAIL"
    assert result.details["findings"][0]["rows"] == [
        {"buyer_id": "b2", "bidder_id": "b2", "newest": None, "age_days": None}
    ]


def test_dat_001_matches_rows_by_bidder_id_too(seed, gate_dsn):
    seed.seat("b1", bidder_id="bidder-1").rtb(days_ago=1, buyer="bidder-1")
    assert verdict(gate_dsn, "C-DAT-001").status == "PASS"


# C-DAT-002 column completeness


def test_dat_002_fails_when_a_column_lost_its_values(seed, gate_dsn):
    seed.healthy().execute(
        "UPDATE rtb_daily SET app_id = NULL WHERE metric_date > current_date - 7"
    )
    result = verdict(gate_dsn, "C-DAT-002")
    assert result.status == "FAIL"
    assert result.details["findings"][0]["rows"] == [
        {"buyer_id": "b1", "source_report": "r1", "column_name": "app_id"}
    ]


def test_dat_002_fails_when_a_report_stopped(seed, gate_dsn):
    seed.healthy().rtb(days_ago=9, report="r2")
    result = verdict(gate_dsn, "C-DAT-002")
    assert result.status == "FAIL"
    assert "r2" in result.message


def test_dat_002_warns_on_a_column_empty_everywhere(seed, gate_dsn):
    seed.healthy().execute("UPDATE rtb_daily SET country = NULL")
    result = verdict(gate_dsn, "C-DAT-002")
    assert result.status == "WARN"
    assert result.message == "1 column(s) empty in both windows for every seat: country"


def test_dat_002_skips_without_rows_in_either_window(seed, gate_dsn):
    seed.healthy().execute("UPDATE rtb_daily SET metric_date = current_date - 30")
    assert verdict(gate_dsn, "C-DAT-002").status == "SKIP"


# C-KEY-001 seat identity, C-KEY-002 billing ids unique, C-KEY-003 unknown billing ids rare


def test_key_001_fails_when_buyer_is_not_bidder(seed, gate_dsn):
    seed.healthy().seat("b2", bidder_id="b9")
    result = verdict(gate_dsn, "C-KEY-001")
    assert result.status == "FAIL"
    assert (
        result.message == "1 active seat(s) whose buyer_id is not the bidder_id: b2 (bidder_id=b9)"
    )


def test_key_002_fails_on_a_billing_id_shared_by_active_configs(seed, gate_dsn):
    seed.healthy().config(config_id="cfg2", billing_id="bill1")
    result = verdict(gate_dsn, "C-KEY-002")
    assert result.status == "FAIL"
    assert result.details["findings"][0]["rows"][0]["config_ids"] == "cfg1 cfg2"


def test_key_002_inactive_configs_may_share(seed, gate_dsn):
    seed.healthy().config(config_id="cfg2", billing_id="bill1", state="PAUSED")
    assert verdict(gate_dsn, "C-KEY-002").status == "PASS"


@pytest.mark.parametrize(("known_rows", "status"), [(3, "FAIL"), (4, "FAIL"), (5, "PASS")])
def test_key_003_unknown_share_must_stay_under_20_percent(seed, gate_dsn, known_rows, status):
    seed.healthy().execute("DELETE FROM pretarg_daily")
    seed.pretarg(rows=known_rows).pretarg(billing_id="unknown")  # 1 of 4, 1 of 5, 1 of 6
    result = verdict(gate_dsn, "C-KEY-003")
    assert result.status == status, result.message


def test_key_003_message_carries_the_share(seed, gate_dsn):
    seed.healthy().pretarg(billing_id="unknown")
    result = verdict(gate_dsn, "C-KEY-003")
    assert result.message.startswith("50% of pretarg_daily rows in the last 7 days")
    assert "(1 of 2; limit: under 20%)" in result.message


def test_key_003_skips_without_rows_in_the_window(seed, gate_dsn):
    seed.healthy().execute("DELETE FROM pretarg_daily")
    assert verdict(gate_dsn, "C-KEY-003").status == "SKIP"


# The run as a whole


def test_no_active_buyers_is_one_fail_not_a_silent_pass(seed, gate_dsn):
    seed.healthy().execute("UPDATE buyer_seats SET active = false")
    run = ContractRun(CATALOGUE, gate_dsn)
    results = run.run_all()
    assert [(r.contract_id, r.status, r.message) for r in results] == [
        ("active-buyers", "FAIL", "no active buyers")
    ]
    skipped = run.result("C-KEY-001")
    assert skipped.status == "SKIP" and "no active buyers" in skipped.message
    run.close()


def test_buyer_filter_limits_per_buyer_contracts(seed, gate_dsn):
    seed.healthy().seat("b2", bidder_id="b9")
    assert verdict(gate_dsn, "C-KEY-001").status == "FAIL"
    assert verdict(gate_dsn, "C-KEY-001", buyer_filter="b1").status == "PASS"
    assert verdict(gate_dsn, "C-KEY-001", buyer_filter="nobody").status == "SKIP"

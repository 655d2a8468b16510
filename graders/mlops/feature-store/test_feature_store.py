"""Hidden grader for mlops/feature-store.

Feature histories, training events, ingestion batches and serving logs are drawn per submission
(`submission_rng`). Expected values come from the grader's own brute-force point-in-time lookup (`_pit`),
written without merge_asof, and from its own online-store and skew rules. Where a known mistake could
happen to give the right answer on a draw, the data are redrawn until it cannot.
"""

import math

import numpy as np
import pandas as pd

from gradient_grader import StudentError, expected, points, shows_expected, submission_rng

SLUG = "mlops/feature-store"
START = pd.Timestamp("2024-03-01 00:00:00")
FEATURES = ["clicks_24h", "avg_basket"]


# --------------------------------------------------------------------------- the grader's own rules


def _pit(entity_df, feature_df, entity_col, ttl=None, by_entity=True, use_time=True):
    """Brute force: for each event, the feature row (of the same entity) with the latest feature_time <=
    event_time and, with a ttl, event_time - feature_time <= ttl. The flags give the known mistakes."""
    ttl_ns = None if ttl is None else pd.Timedelta(ttl).value
    features = [c for c in feature_df.columns if c not in (entity_col, "feature_time")]
    times = feature_df["feature_time"].to_numpy().astype("datetime64[ns]").astype("int64")
    owners = feature_df[entity_col].to_numpy()
    values = feature_df[features].to_numpy(dtype=float)
    event_times = entity_df["event_time"].to_numpy().astype("datetime64[ns]").astype("int64")
    event_owners = entity_df[entity_col].to_numpy()
    found = np.full((len(entity_df), len(features)), np.nan)
    for i in range(len(entity_df)):
        mask = np.ones(len(times), dtype=bool)
        if by_entity:
            mask &= owners == event_owners[i]
        if use_time:
            mask &= times <= event_times[i]
        if ttl_ns is not None:
            mask &= event_times[i] - times <= ttl_ns
        if mask.any():
            candidates = np.flatnonzero(mask)
            found[i] = values[candidates[np.argmax(times[candidates])]]
    result = entity_df.reset_index(drop=True).copy()
    for k, feature in enumerate(features):
        result[feature] = found[:, k]
    return result


def _same(a, b):
    return a.shape == b.shape and all(
        np.allclose(a[c].to_numpy(dtype=float), b[c].to_numpy(dtype=float), equal_nan=True, rtol=0, atol=1e-9)
        for c in FEATURES if c in a and c in b
    )


def _equal(a, b, tolerance):
    if pd.isna(a) or pd.isna(b):
        return bool(pd.isna(a) and pd.isna(b))
    return abs(float(a) - float(b)) <= tolerance


def _skew(training, serving, keys, features, tolerance=1e-6, max_rate=0.01, by_position=False):
    if by_position:
        n = min(len(training), len(serving))
        joined = pd.DataFrame({f"{f}_train": training[f].to_numpy()[:n] for f in features}
                              | {f"{f}_serve": serving[f].to_numpy()[:n] for f in features})
    else:
        joined = training.merge(serving, on=keys, how="inner", suffixes=("_train", "_serve"))
    report = {"joined": len(joined), "features": {}, "skewed": []}
    for f in features:
        m = sum(not _equal(a, b, tolerance) for a, b in zip(joined[f"{f}_train"], joined[f"{f}_serve"]))
        rate = m / len(joined) if len(joined) else 0.0
        report["features"][f] = {"mismatches": m, "rate": rate, "skewed": rate > max_rate}
    report["skewed"] = sorted(f for f, r in report["features"].items() if r["skewed"])
    return report


# --------------------------------------------------------------------------- hidden data, per submission


def _rng(role):
    return submission_rng(f"{SLUG}:{role}")


def _times(minutes):
    return (START + pd.to_timedelta(np.asarray(minutes, dtype="int64"), unit="min")).astype("datetime64[ns]")


def _history(rng, n_entities=8, span_min=3 * 24 * 60, entity_col="user_id"):
    """Feature rows: for each entity, 4-12 rows at distinct random minutes; shuffled."""
    entities = sorted(int(e) for e in rng.choice(np.arange(100, 999), size=n_entities, replace=False))
    rows = []
    for entity in entities:
        count = int(rng.integers(4, 13))
        minutes = rng.choice(np.arange(0, span_min), size=count, replace=False)
        for minute in minutes:
            rows.append((entity, int(minute), float(rng.integers(0, 60)), round(float(rng.uniform(5, 120)), 2)))
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    return entities, pd.DataFrame({
        entity_col: np.array([r[0] for r in rows], dtype="int64"),
        "feature_time": _times([r[1] for r in rows]),
        FEATURES[0]: [r[2] for r in rows],
        FEATURES[1]: [r[3] for r in rows],
    })


def _events(rng, entities, history, n=50, span_min=3 * 24 * 60, entity_col="user_id"):
    """Training events: random entities and times (some before any feature row, some exactly at one)."""
    chosen = [int(e) for e in rng.choice(entities + [int(rng.integers(1000, 2000))], size=n)]
    minutes = [int(m) for m in rng.integers(-120, span_min + 600, size=n)]
    exact = rng.choice(n, size=max(3, n // 10), replace=False)
    for i in exact:  # an event exactly at one of its entity's feature times
        times = history.loc[history[entity_col] == chosen[i], "feature_time"]
        if len(times):
            minutes[i] = int((times.iloc[int(rng.integers(0, len(times)))] - START) / pd.Timedelta(minutes=1))
    return pd.DataFrame({
        entity_col: np.array(chosen, dtype="int64"),
        "event_time": _times(minutes),
        "label": rng.integers(0, 2, size=n).astype("int64"),
    })


# --------------------------------------------------------------------------- checks


def _frame(got, call):
    assert isinstance(got, pd.DataFrame), f"{call} returned {type(got).__name__}, expected a pandas DataFrame"
    return got


def _check_join(got, want, call, events):
    got = _frame(got, call)
    assert list(got.columns) == list(want.columns), (
        f"{call} returned the columns {list(got.columns)}: expected entity_df's columns, in order, then each "
        "feature column"
    )
    assert len(got) == len(want), f"{call} returned {len(got)} rows for {len(events)} events: one row per event"
    for column in events.columns:
        if got[column].tolist() != events[column].tolist():
            raise AssertionError(
                f"{call}: the column {column!r} is not entity_df's, row for row: keep the events in their original "
                "order (merge_asof needs them sorted by time: sort, join, then restore the order)"
            )
    for feature in FEATURES:
        values = got[feature].to_numpy(dtype=float)
        right = want[feature].to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isclose(values, right, rtol=0, atol=1e-9, equal_nan=True))
        if len(bad):
            i = int(bad[0])
            event = events.iloc[i]
            raise AssertionError(
                f"{call}: {len(bad)} of {len(events)} values of {feature!r} are wrong; the first is row {i} "
                f"(user_id {event['user_id']}, event_time {event['event_time']}), where you have {values[i]!r}, "
                f"expected {expected(right[i])}"
            )


# --------------------------------------------------------------------------- tests


@shows_expected
@points(1)
def test_pit_join_small_example(student):
    features = pd.DataFrame({
        "user_id": np.array([1, 1, 2, 1, 2], dtype="int64"),
        "feature_time": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 12:00", "2024-01-01 10:00",
                                        "2024-01-01 18:00", "2024-01-01 11:30"]).astype("datetime64[ns]"),
        "clicks_24h": [1.0, 4.0, 7.0, 9.0, 8.0],
        "avg_basket": [10.0, 12.5, 30.0, 11.0, 31.0],
    })
    events = pd.DataFrame({
        "user_id": np.array([1, 2, 1, 2, 3], dtype="int64"),
        "event_time": pd.to_datetime(["2024-01-01 13:00", "2024-01-01 11:30", "2024-01-01 08:00",
                                      "2024-01-02 09:00", "2024-01-01 13:00"]).astype("datetime64[ns]"),
        "label": np.array([1, 0, 0, 1, 1], dtype="int64"),
    })
    call = "point_in_time_join(events, features, 'user_id') on the 5 events and 5 feature rows of this test"
    got = _frame(student.point_in_time_join(events, features, "user_id"), call)
    want = {"clicks_24h": [4.0, 8.0, math.nan, 8.0, math.nan], "avg_basket": [12.5, 31.0, math.nan, 31.0, math.nan]}
    for feature, values in want.items():
        assert feature in got.columns, f"{call} has no column {feature!r}"
        have = got[feature].to_numpy(dtype=float).tolist()
        assert np.allclose(have, values, equal_nan=True), (
            f"{call} gave {feature} = {have}, expected {values}: user 1 at 13:00 sees its 12:00 row (not the 18:00 "
            "one, which is in the future), user 2 at 11:30 sees its 11:30 row (a feature time equal to the event "
            "time counts), user 1 at 08:00 has nothing yet, user 3 has no features at all"
        )
    call = "point_in_time_join(events, features, 'user_id', ttl='12h')"
    got = _frame(student.point_in_time_join(events, features, "user_id", "12h"), call)
    have = got["clicks_24h"].to_numpy(dtype=float).tolist()
    assert np.allclose(have, [4.0, 8.0, math.nan, math.nan, math.nan], equal_nan=True), (
        f"{call} gave clicks_24h = {have}, expected [4.0, 8.0, nan, nan, nan]: user 2 on Jan 2 at 09:00 would see "
        "a row 21.5 hours old, older than the 12h ttl, so it gets NaN"
    )


@points(2)
def test_pit_join_uses_only_the_past(student):
    rng = _rng("past")
    while True:
        entities, history = _history(rng)
        events = _events(rng, entities, history)
        want = _pit(events, history, "user_id")
        if not _same(want, _pit(events, history, "user_id", use_time=False)):
            break
    call = f"point_in_time_join(<{len(events)} events>, <{len(history)} feature rows of {len(entities)} users>, 'user_id')"
    got = _frame(student.point_in_time_join(events, history, "user_id"), call)
    if _same(got, _pit(events, history, "user_id", use_time=False)) and not _same(got, want):
        raise AssertionError(
            f"{call} gave each event its user's LATEST feature row, even rows stamped after the event: that is "
            "leakage, the model trains on values it could not have known at the time. Take the latest row with "
            "feature_time <= event_time (pd.merge_asof with direction='backward')"
        )
    _check_join(got, want, call, events)


@points(1.5)
def test_pit_join_matches_by_entity(student):
    rng = _rng("entity")
    while True:
        entities, history = _history(rng, n_entities=10)
        events = _events(rng, entities, history, n=60)
        want = _pit(events, history, "user_id")
        if not _same(want, _pit(events, history, "user_id", by_entity=False)):
            break
    call = f"point_in_time_join(<{len(events)} events of {len(entities)} users>, <{len(history)} feature rows>, 'user_id')"
    got = _frame(student.point_in_time_join(events, history, "user_id"), call)
    if _same(got, _pit(events, history, "user_id", by_entity=False)) and not _same(got, want):
        raise AssertionError(
            f"{call} gave each event the latest feature row of ANY user before its time: the join must match the "
            "entity too (merge_asof(..., by='user_id'))"
        )
    _check_join(got, want, call, events)


@points(1.5)
def test_pit_join_ttl(student):
    rng = _rng("ttl")
    while True:
        entities, history = _history(rng, n_entities=8, span_min=5 * 24 * 60)
        events = _events(rng, entities, history, n=60, span_min=5 * 24 * 60)
        hours = int(rng.integers(3, 12))
        ttl = f"{hours}h"
        # an event exactly ttl after one of its feature rows: the boundary is kept (age <= ttl)
        row = history.iloc[int(rng.integers(0, len(history)))]
        boundary = pd.DataFrame({"user_id": np.array([row["user_id"]], dtype="int64"),
                                 "event_time": pd.Series([row["feature_time"] + pd.Timedelta(ttl)]).astype("datetime64[ns]"),
                                 "label": np.array([1], dtype="int64")})
        events = pd.concat([events, boundary], ignore_index=True)
        want = _pit(events, history, "user_id", ttl)
        if not _same(want, _pit(events, history, "user_id")):
            break
    call = f"point_in_time_join(<{len(events)} events>, <{len(history)} feature rows>, 'user_id', ttl={ttl!r})"
    got = _frame(student.point_in_time_join(events, history, "user_id", ttl), call)
    if _same(got, _pit(events, history, "user_id")) and not _same(got, want):
        raise AssertionError(
            f"{call} ignored the ttl: an event whose latest feature row is older than {ttl} should get NaN, not a "
            "stale value (merge_asof's tolerance=pd.Timedelta(ttl))"
        )
    _check_join(got, want, call, events)


@points(1)
def test_pit_join_keeps_rows_and_other_columns(student):
    rng = _rng("rows")
    entities, history = _history(rng, entity_col="store")
    events = _events(rng, entities, history, n=30, entity_col="store")
    events["region"] = pd.Series([str(x) for x in rng.choice(["north", "south", "east"], size=len(events))], dtype=object)
    events = events[["label", "event_time", "region", "store"]]
    renamed = history.rename(columns={"store": "user_id"})
    want = _pit(events.rename(columns={"store": "user_id"}), renamed, "user_id").rename(columns={"user_id": "store"})
    call = f"point_in_time_join(<{len(events)} events with columns {list(events.columns)}>, <feature rows>, 'store')"
    got = _frame(student.point_in_time_join(events, history, "store"), call)
    assert list(got.columns) == list(want.columns), (
        f"{call} returned the columns {list(got.columns)}: entity_df's columns in their order, then the feature "
        "columns (here the entity column is 'store')"
    )
    _check_join(got.rename(columns={"store": "user_id"}), want.rename(columns={"store": "user_id"}), call,
                events.rename(columns={"store": "user_id"}))


def _store_batches(rng):
    """A history split into 3 ingestion batches, the last one holding late-arriving OLD rows of some users."""
    while True:
        entities, history = _history(rng, n_entities=9)
        history = history.sort_values("feature_time", kind="stable").reset_index(drop=True)
        cut = int(len(history) * 0.75)
        recent, late = history.iloc[:cut], history.iloc[cut:]
        # the late batch: rows of the last quarter go first; then older rows held back from the first part
        held = recent.sample(n=max(4, len(recent) // 8), random_state=int(rng.integers(0, 2**31)))
        early = recent.drop(held.index)
        batches = [early.iloc[: len(early) // 2], pd.concat([early.iloc[len(early) // 2:], late]), held]
        # the mistake must show: some user's held-back row is older than a row of theirs ingested before
        newest = pd.concat(batches[:2]).groupby("user_id")["feature_time"].max()
        if any(row["feature_time"] < newest.get(row["user_id"], START) for _, row in held.iterrows()):
            return entities, history, [b.reset_index(drop=True) for b in batches]


def _online_truth(history, entities, now, ttl=None):
    ttl = None if ttl is None else pd.Timedelta(ttl)
    result = {}
    for entity in entities:
        rows = history[(history["user_id"] == entity) & (history["feature_time"] <= now)]
        if len(rows):
            best = rows.loc[rows["feature_time"].idxmax()]
            fresh = ttl is None or now - best["feature_time"] <= ttl
        if not len(rows) or not fresh:
            result[entity] = {f: None for f in FEATURES}
        else:
            result[entity] = {f: float(best[f]) for f in FEATURES}
    return result


@points(1)
def test_offline_store_point_in_time(student):
    rng = _rng("offline")
    entities, history, batches = _store_batches(rng)
    events = _events(rng, entities, history, n=40)
    store = student.FeatureStore("user_id", FEATURES, "36h")
    for batch in batches:
        store.ingest(batch)
    call = f"FeatureStore('user_id', {FEATURES}, ttl='36h'), 3 batches ingested, get_historical_features(<{len(events)} events>)"
    got = store.get_historical_features(events)
    _check_join(got, _pit(events, history, "user_id", "36h"), call, events)
    try:
        store.ingest(batches[0].drop(columns=[FEATURES[1]]))
    except StudentError as error:
        assert error.type_name == "ValueError", f"ingest(<a batch without {FEATURES[1]!r}>) raised {error.type_name}"
    else:
        raise AssertionError(f"ingest(<a batch without the feature column {FEATURES[1]!r}>) should raise ValueError")


def _check_online(got, want, call):
    assert isinstance(got, dict) and set(got) == set(want), (
        f"{call} returned {got!r:.300}: expected a dict with one entry per requested entity id"
    )
    for entity, values in want.items():
        mine = got[entity]
        assert isinstance(mine, dict) and set(mine) == set(FEATURES), (
            f"{call}[{entity}] is {mine!r:.200}: expected a dict with one key per feature of the store"
        )
        for feature in FEATURES:
            a, b = mine[feature], values[feature]
            if b is None:
                assert a is None, (
                    f"{call}[{entity}][{feature!r}] is {a!r}: an entity with no feature row, or whose newest row is "
                    "older than the ttl at `now`, gets None"
                )
            else:
                assert isinstance(a, (int, float)) and not isinstance(a, bool) and math.isclose(a, b, abs_tol=1e-9), (
                    f"{call}[{entity}][{feature!r}] is {a!r}, expected {expected(b)}"
                )


@points(1.5)
def test_online_store_keeps_the_newest_row(student):
    rng = _rng("online")
    entities, history, batches = _store_batches(rng)
    store = student.FeatureStore("user_id", FEATURES)
    for batch in batches:
        store.ingest(batch)
    now = history["feature_time"].max() + pd.Timedelta(minutes=int(rng.integers(1, 120)))
    unknown = int(rng.integers(1000, 2000))
    ids = entities + [unknown]
    call = f"get_online_features(<{len(ids)} user ids, one never ingested>, now={str(now)!r}) after 3 batches"
    got = store.get_online_features(ids, str(now))
    want = _online_truth(history, ids, now)
    last_written = {}
    for batch in batches:
        for _, row in batch.iterrows():
            last_written[int(row["user_id"])] = float(row[FEATURES[0]])
    stale = [e for e in entities if isinstance(got.get(e), dict) and got[e].get(FEATURES[0]) != want[e][FEATURES[0]]
             and got[e].get(FEATURES[0]) == last_written.get(e)]
    if stale:
        raise AssertionError(
            f"{call}: for the users {stale[:5]} you serve the LAST row ingested, but the last batch held late-"
            "arriving OLD rows. The online store keeps, per entity, the row with the newest feature_time, and an "
            "older row arriving later must not overwrite it"
        )
    _check_online(got, want, call)
    hours = int(rng.integers(2, 8))
    store = student.FeatureStore("user_id", FEATURES, f"{hours}h")
    for batch in batches:
        store.ingest(batch)
    newest = history["feature_time"].max()
    for when in (newest + pd.Timedelta(minutes=1), newest + pd.Timedelta(minutes=30 * hours)):
        call = f"get_online_features(<{len(ids)} ids>, now={str(when)!r}) with ttl='{hours}h'"
        _check_online(store.get_online_features(ids, str(when)), _online_truth(history, ids, when, f"{hours}h"), call)


@points(1)
def test_online_and_offline_agree(student):
    rng = _rng("consistency")
    entities, history, batches = _store_batches(rng)
    ttl = f"{int(rng.integers(6, 30))}h"
    store = student.FeatureStore("user_id", FEATURES, ttl)
    for batch in batches:
        store.ingest(batch)
    now = history["feature_time"].max() + pd.Timedelta(minutes=int(rng.integers(0, 600)))
    ids = [int(e) for e in rng.permutation(entities)]
    online = store.get_online_features(ids, str(now))
    events = pd.DataFrame({"user_id": np.array(ids, dtype="int64"),
                           "event_time": pd.Series([now] * len(ids)).astype("datetime64[ns]")})
    offline = _frame(store.get_historical_features(events), "get_historical_features(<every user at now>)")
    assert isinstance(online, dict), f"get_online_features returned {type(online).__name__}, expected a dict"
    disagree = []
    for i, entity in enumerate(ids):
        for feature in FEATURES:
            a = (online.get(entity) or {}).get(feature)
            b = offline[feature].iloc[i]
            if not ((a is None and pd.isna(b)) or (a is not None and not pd.isna(b) and math.isclose(a, b, abs_tol=1e-9))):
                disagree.append(f"user {entity} {feature}: online {a!r}, offline {b!r}")
    assert not disagree, (
        f"with ttl={ttl!r}, at now={str(now)!r} (after every ingested row) the online store and a point-in-time "
        f"lookup of the offline store at that time disagree: {'; '.join(disagree[:4])}. Serving must see exactly "
        "what training would have seen at the same moment, or the model meets features it was not trained on"
    )


@points(1.5)
def test_skew_detection(student):
    rng = _rng("skew")
    n = int(rng.integers(80, 120))
    keys = ["user_id", "event_time"]
    features = ["clicks_24h", "avg_basket", "days_active"]
    while True:
        base = pd.DataFrame({
            "user_id": rng.choice(np.arange(100, 140), size=n).astype("int64"),
            "event_time": _times(rng.choice(np.arange(0, 5000), size=n, replace=False)),
            "clicks_24h": rng.integers(0, 40, size=n).astype(float),
            "avg_basket": np.round(rng.uniform(5, 100, size=n), 2),
            "days_active": rng.integers(1, 400, size=n).astype(float),
        })
        missing = rng.choice(n, size=6, replace=False)
        base.loc[missing[:3], "avg_basket"] = np.nan  # missing on both sides: not a mismatch
        training = base.copy()
        serving = base.copy()
        skewed = rng.choice(n, size=int(rng.integers(8, 20)), replace=False)
        serving.loc[skewed, "clicks_24h"] = serving.loc[skewed, "clicks_24h"] + rng.integers(1, 5, size=len(skewed))
        serving.loc[missing[3:4], "days_active"] = np.nan  # missing only at serving: a mismatch
        serving["avg_basket"] = serving["avg_basket"] + rng.uniform(-1e-8, 1e-8, size=n)  # float noise: equal
        drop = rng.choice(n, size=10, replace=False)
        serving = serving.drop(index=drop)  # requests that were never logged
        extra = base.iloc[:5].copy()
        extra["event_time"] = extra["event_time"] + pd.Timedelta(days=30)  # serving rows with no training row
        serving = pd.concat([serving, extra]).sample(frac=1.0, random_state=int(rng.integers(0, 2**31)))
        serving = serving.reset_index(drop=True)
        want = _skew(training, serving, keys, features)
        if want != _skew(training, serving, keys, features, by_position=True):
            break
    call = (f"detect_skew(<{len(training)} training rows>, <{len(serving)} serving rows, in another order>, "
            f"{keys}, {features})")
    got = student.detect_skew(training, serving, keys, features)
    assert isinstance(got, dict) and set(got) == {"joined", "features", "skewed"}, (
        f"{call} returned {got!r:.300}: expected a dict with the keys 'joined', 'features' and 'skewed'"
    )
    if got == _skew(training, serving, keys, features, by_position=True):
        raise AssertionError(
            f"{call} compared the rows by position. The serving log is in another order and has rows the training "
            "set lacks (and the other way round): join the two on the key columns first (an inner merge on "
            "['user_id', 'event_time'])"
        )
    assert got["joined"] == want["joined"], (
        f"{call}: 'joined' is {got['joined']!r}, the number of rows whose keys are in both frames"
    )
    for feature in features:
        mine = got["features"].get(feature)
        assert isinstance(mine, dict) and set(mine) == {"mismatches", "rate", "skewed"}, (
            f"{call}['features'][{feature!r}] is {mine!r:.200}: expected the keys 'mismatches', 'rate', 'skewed'"
        )
        assert mine["mismatches"] == want["features"][feature]["mismatches"], (
            f"{call}: {feature!r} has {mine['mismatches']!r} mismatches by your count, expected "
            f"{expected(want['features'][feature]['mismatches'])}: values within the tolerance are equal, NaN on "
            "both sides is equal, NaN on one side only is a mismatch"
        )
        assert math.isclose(mine["rate"], want["features"][feature]["rate"], abs_tol=1e-12), (
            f"{call}: {feature!r} has rate {mine['rate']!r}: mismatches / joined rows"
        )
        assert mine["skewed"] is want["features"][feature]["skewed"], (
            f"{call}: {feature!r} has skewed={mine['skewed']!r} with rate {mine['rate']!r}: skewed is rate > max_rate"
        )
    assert got["skewed"] == want["skewed"], f"{call}: 'skewed' is {got['skewed']!r}, the skewed features, sorted"

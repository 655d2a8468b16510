"""A small feature store: point-in-time correct joins, an online store, and training/serving skew checks."""

import math

import numpy as np
import pandas as pd

EVENT_TIME = "event_time"
FEATURE_TIME = "feature_time"


def _ttl(ttl):
    return None if ttl is None else pd.Timedelta(ttl)


def point_in_time_join(entity_df, feature_df, entity_col, ttl=None):
    features = [c for c in feature_df.columns if c not in (entity_col, FEATURE_TIME)]
    left = entity_df.reset_index(drop=True).copy()
    left["_row"] = np.arange(len(left))
    right = feature_df[[entity_col, FEATURE_TIME, *features]]
    right = right.astype({FEATURE_TIME: left[EVENT_TIME].dtype})
    merged = pd.merge_asof(
        left.sort_values(EVENT_TIME, kind="stable"),
        right.sort_values(FEATURE_TIME, kind="stable"),
        left_on=EVENT_TIME,
        right_on=FEATURE_TIME,
        by=entity_col,
        direction="backward",
        allow_exact_matches=True,
        tolerance=_ttl(ttl),
    )
    merged = merged.sort_values("_row").reset_index(drop=True)
    return merged[[*entity_df.columns, *features]].astype({f: "float64" for f in features})


class FeatureStore:
    def __init__(self, entity_col, features, ttl=None):
        self.entity_col = entity_col
        self.features = list(features)
        self.ttl = ttl
        self.offline = pd.DataFrame(columns=[entity_col, FEATURE_TIME, *self.features])
        self.online = {}  # entity -> (feature_time, {feature: value})

    def ingest(self, df):
        needed = [self.entity_col, FEATURE_TIME, *self.features]
        missing = [c for c in needed if c not in df.columns]
        if missing:
            raise ValueError(f"the batch lacks the column(s) {missing}")
        batch = df[needed].copy()
        batch[FEATURE_TIME] = pd.to_datetime(batch[FEATURE_TIME])
        self.offline = batch if self.offline.empty else pd.concat([self.offline, batch], ignore_index=True)
        for row in batch.itertuples(index=False):
            entity, when = getattr(row, self.entity_col), getattr(row, FEATURE_TIME)
            values = {f: getattr(row, f) for f in self.features}
            stored = self.online.get(entity)
            if stored is None or when >= stored[0]:
                self.online[entity] = (when, values)

    def get_historical_features(self, entity_df):
        return point_in_time_join(entity_df, self.offline, self.entity_col, self.ttl)

    def get_online_features(self, entity_ids, now):
        now = pd.Timestamp(now)
        ttl = _ttl(self.ttl)
        result = {}
        for entity in entity_ids:
            stored = self.online.get(entity)
            fresh = stored is not None and stored[0] <= now and (ttl is None or now - stored[0] <= ttl)
            result[entity] = {
                f: (None if not fresh or pd.isna(stored[1][f]) else float(stored[1][f])) for f in self.features
            }
        return result


def _equal(a, b, tolerance):
    a_missing, b_missing = pd.isna(a), pd.isna(b)
    if a_missing or b_missing:
        return a_missing and b_missing
    return math.isclose(float(a), float(b), rel_tol=0.0, abs_tol=tolerance)


def detect_skew(training_df, serving_df, keys, features, tolerance=1e-6, max_rate=0.01):
    joined = training_df[[*keys, *features]].merge(
        serving_df[[*keys, *features]], on=list(keys), how="inner", suffixes=("_train", "_serve")
    )
    report = {"joined": int(len(joined)), "features": {}, "skewed": []}
    for feature in features:
        pairs = zip(joined[f"{feature}_train"], joined[f"{feature}_serve"])
        mismatches = sum(not _equal(a, b, tolerance) for a, b in pairs)
        rate = mismatches / len(joined) if len(joined) else 0.0
        report["features"][feature] = {"mismatches": int(mismatches), "rate": float(rate), "skewed": rate > max_rate}
    report["skewed"] = sorted(f for f, r in report["features"].items() if r["skewed"])
    return report

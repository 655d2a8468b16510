"""Public tests: run them next to your solution.py with plain pytest:

    pytest public_tests/

They check the statement's examples and a few small rules. The hidden grader checks more (generated boxes,
clusters of two classes, scenes with several images and classes).
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from solution import (  # noqa: E402
    average_precision,
    box_iou,
    match_detections,
    mean_average_precision,
    nms,
    precision_recall,
)


def test_statement_iou_example():
    got = box_iou(np.array([[0, 0, 2, 2]]), np.array([[1, 1, 3, 3], [0, 0, 2, 2], [5, 5, 6, 6]]))
    assert got.shape == (1, 3), f"box_iou should return a (1, 3) matrix, got shape {got.shape}"
    assert np.allclose(got, [[1 / 7, 1.0, 0.0]]), f"got {got.tolist()}, expected [[0.142857, 1.0, 0.0]]"


def test_iou_of_boxes_apart_diagonally_is_zero():
    got = box_iou(np.array([[0.0, 0.0, 1.0, 1.0]]), np.array([[3.0, 3.0, 4.0, 4.0]]))
    assert got[0, 0] == 0, f"boxes apart on both axes have no overlap, got IoU {got[0, 0]} (clamp each side at 0)"


def test_statement_nms_example():
    boxes = np.array([[0, 0, 2, 2], [0.2, 0, 2.2, 2], [0, 0, 2, 2]])
    got = nms(boxes, np.array([0.9, 0.8, 0.7]), np.array([0, 0, 1]))
    assert np.asarray(got).tolist() == [0, 2], f"nms returned {np.asarray(got).tolist()}, expected [0, 2] (per class)"


def test_statement_match_example():
    got = match_detections(
        np.array([[0, 0, 2, 2], [0, 0, 2, 2.1], [5, 5, 7, 7]]), np.array([0.6, 0.9, 0.8]), np.array([[0, 0, 2, 2]])
    )
    assert np.asarray(got).tolist() == [-1, 0, -1], (
        f"match_detections returned {np.asarray(got).tolist()}, expected [-1, 0, -1]: the higher-scoring detection "
        "takes the ground truth, and it cannot be matched twice"
    )


def test_statement_precision_recall_and_ap_example():
    precision, recall = precision_recall(np.array([0.9, 0.8, 0.7, 0.6]), np.array([True, False, True, False]), 3)
    assert np.allclose(precision, [1, 0.5, 2 / 3, 0.5]), f"precision {np.round(precision, 4).tolist()}"
    assert np.allclose(recall, [1 / 3, 1 / 3, 2 / 3, 2 / 3]), f"recall {np.round(recall, 4).tolist()}"
    ap = average_precision(precision, recall)
    assert isinstance(ap, float) and np.isclose(ap, 5 / 9), (
        f"average_precision returned {ap!r}, expected 0.5556 (all-point; 11-point would give 0.5455)"
    )


def test_map_on_one_perfect_image():
    detections = [{"boxes": np.array([[0, 0, 2, 2], [5, 5, 8, 8]]), "scores": np.array([0.9, 0.8]), "labels": np.array([0, 1])}]
    truths = [{"boxes": np.array([[0, 0, 2, 2], [5, 5, 8, 8]]), "labels": np.array([0, 1])}]
    m_ap, per_class = mean_average_precision(detections, truths)
    assert np.isclose(m_ap, 1.0) and set(per_class) == {0, 1}, f"got mAP {m_ap} and per-class {per_class}"

"""Object-detection metrics with NumPy only: IoU, NMS, matching, precision/recall, AP and mAP.

Replace each ``raise NotImplementedError`` with your own code; README.md has the exact rules.
Boxes are rows (x1, y1, x2, y2) with x1 <= x2 and y1 <= y2.
"""

import numpy as np


def box_iou(boxes_a, boxes_b) -> np.ndarray:
    """Pairwise IoU: an (n, m) float array for n boxes in boxes_a and m in boxes_b."""
    raise NotImplementedError("box_iou is not written yet")


def nms(boxes, scores, labels, iou_threshold=0.5) -> np.ndarray:
    """Indices of the boxes kept by per-class non-maximum suppression, highest score first."""
    raise NotImplementedError("nms is not written yet")


def match_detections(det_boxes, det_scores, gt_boxes, iou_threshold=0.5) -> np.ndarray:
    """For each detection (in input order): the index of the ground truth it matches, or -1."""
    raise NotImplementedError("match_detections is not written yet")


def precision_recall(scores, is_tp, n_gt):
    """(precision, recall) arrays after each detection, detections sorted by descending score."""
    raise NotImplementedError("precision_recall is not written yet")


def average_precision(precision, recall) -> float:
    """All-point interpolated average precision (PASCAL VOC 2010 and later)."""
    raise NotImplementedError("average_precision is not written yet")


def mean_average_precision(detections, ground_truths, iou_threshold=0.5):
    """(mAP, {class: AP}) over the classes that have at least one ground-truth box."""
    raise NotImplementedError("mean_average_precision is not written yet")

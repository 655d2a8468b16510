"""Object-detection metrics with NumPy: IoU, NMS, matching, precision/recall, AP and mAP (reference)."""

import numpy as np


def box_iou(boxes_a, boxes_b) -> np.ndarray:
    """Pairwise IoU of boxes (x1, y1, x2, y2): an (n, m) matrix."""
    a = np.asarray(boxes_a, dtype=float).reshape(-1, 4)
    b = np.asarray(boxes_b, dtype=float).reshape(-1, 4)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    width = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    height = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = width * height
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _by_score(scores) -> np.ndarray:
    return np.argsort(-np.asarray(scores, dtype=float), kind="stable")


def nms(boxes, scores, labels, iou_threshold=0.5) -> np.ndarray:
    """Indices of the boxes kept by per-class non-maximum suppression, highest score first."""
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    labels = np.asarray(labels)
    iou = box_iou(boxes, boxes)
    keep = []
    suppressed = np.zeros(len(boxes), dtype=bool)
    for i in _by_score(scores):
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= (labels == labels[i]) & (iou[i] > iou_threshold)
    return np.array(keep, dtype=int)


def match_detections(det_boxes, det_scores, gt_boxes, iou_threshold=0.5) -> np.ndarray:
    """For each detection (input order), the index of the ground truth it matches, or -1 (a false positive)."""
    iou = box_iou(det_boxes, gt_boxes)
    matched = np.full(iou.shape[0], -1, dtype=int)
    taken = np.zeros(iou.shape[1], dtype=bool)
    for i in _by_score(det_scores):
        candidates = np.where(taken, -1.0, iou[i])
        if candidates.size and candidates.max() >= iou_threshold:
            j = int(np.argmax(candidates))
            matched[i] = j
            taken[j] = True
    return matched


def precision_recall(scores, is_tp, n_gt):
    """Precision and recall after each detection, the detections sorted by score (highest first)."""
    order = _by_score(scores)
    tp = np.cumsum(np.asarray(is_tp, dtype=bool)[order])
    ranks = np.arange(1, len(order) + 1)
    precision = tp / ranks
    recall = tp / n_gt if n_gt > 0 else np.zeros(len(order))
    return precision.astype(float), recall.astype(float)


def average_precision(precision, recall) -> float:
    """All-point interpolated AP (PASCAL VOC 2010+): area under the monotone precision envelope."""
    mrec = np.concatenate([[0.0], np.asarray(recall, dtype=float), [1.0]])
    mpre = np.concatenate([[0.0], np.asarray(precision, dtype=float), [0.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    steps = np.where(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[steps + 1] - mrec[steps]) * mpre[steps + 1]))


def mean_average_precision(detections, ground_truths, iou_threshold=0.5):
    """(mAP, {class: AP}) over the classes that have at least one ground-truth box."""
    classes = sorted({int(c) for gt in ground_truths for c in np.asarray(gt["labels"]).ravel()})
    per_class = {}
    for c in classes:
        scores, hits, n_gt = [], [], 0
        for det, gt in zip(detections, ground_truths):
            d_mask = np.asarray(det["labels"]) == c
            g_mask = np.asarray(gt["labels"]) == c
            d_boxes = np.asarray(det["boxes"], dtype=float).reshape(-1, 4)[d_mask]
            d_scores = np.asarray(det["scores"], dtype=float)[d_mask]
            g_boxes = np.asarray(gt["boxes"], dtype=float).reshape(-1, 4)[g_mask]
            n_gt += len(g_boxes)
            scores.append(d_scores)
            hits.append(match_detections(d_boxes, d_scores, g_boxes, iou_threshold) >= 0)
        precision, recall = precision_recall(np.concatenate(scores), np.concatenate(hits), n_gt)
        per_class[c] = average_precision(precision, recall)
    m_ap = float(np.mean(list(per_class.values()))) if per_class else 0.0
    return m_ap, per_class

"""Hidden grader for deep-learning/custom-dataloader.

Sequences, labels, batch sizes, pool sizes, pad ids and groups are drawn for each submission. The sampler
is checked by properties that any correct use of the generator gives: with shuffle=False its batches are
exact (stable sort inside each pool of consecutive indices); with shuffle=True and one pool, the batches'
length contents are those of the sorted chunks whatever the permutation, and their order differs between
seeds and epochs but not between two samplers with the same seed and epoch. The dataset's items are read
in the student box through torch's own DataLoader(dataset, batch_size=None).
"""

import math
from collections import Counter

import torch

from gradient_grader import StudentError, call_timeout, expected, points, shows_expected, submission_rng

torch.set_num_threads(1)

SLUG = "deep-learning/custom-dataloader"


def call(student, name, text, *args, **kwargs):
    """student.<name>(*args, **kwargs), its errors turned into a message naming the call."""
    try:
        with call_timeout(20):
            return getattr(student, name)(*args, **kwargs)
    except StudentError as error:
        raise AssertionError(f"{text} raised {error.type_name}: {error.message[:300]}") from None


def draw_sequences(rng, n, max_len, vocab=500):
    """n distinct sequences of tokens 1..vocab-1 with lengths 1..max_len (the longest is always max_len)."""
    seen, sequences = set(), []
    while len(sequences) < n:
        length = max_len if not sequences else int(rng.integers(1, max_len + 1))
        seq = tuple(int(t) for t in rng.integers(1, vocab, size=length))
        if seq not in seen:
            seen.add(seq)
            sequences.append(list(seq))
    order = rng.permutation(n)
    return [sequences[i] for i in order]


def draw_lengths(rng, n, low, high):
    return [int(v) for v in rng.integers(low, high + 1, size=n)]


def sizes(rng):
    """(n, batch_size) with a last partial batch and at least 10 batches."""
    batch_size = int(rng.integers(4, 9))
    full = int(rng.integers(10, 15))
    return full * batch_size + int(rng.integers(1, batch_size)), batch_size


def sampler_batches(student, text, lengths, batch_size, **options):
    sampler = call(student, "BucketBatchSampler", text, lengths, batch_size, **options)
    return sampler, list_batches(sampler, text)


def list_batches(sampler, text):
    try:
        with call_timeout(20):
            batches = list(sampler)
    except StudentError as error:
        raise AssertionError(f"iterating over {text} raised {error.type_name}: {error.message[:300]}") from None
    for batch in batches:
        assert isinstance(batch, (list, tuple)) and all(isinstance(i, int) and not isinstance(i, bool) for i in batch), (
            f"iterating over {text} should yield lists of int indices (one list per batch), got {batch!r:.120}"
        )
    return [list(b) for b in batches]


def check_partition(batches, n, text, batch_size):
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(n)), (
        f"the batches of {text} should hold every index 0..{n - 1} exactly once; "
        f"{len(flat)} indices came, {len(set(flat))} distinct"
    )
    assert all(len(b) <= batch_size for b in batches) and sum(len(b) < batch_size for b in batches) <= 1, (
        f"{text}: every batch should hold batch_size={batch_size} indices except one last partial batch, got sizes "
        f"{[len(b) for b in batches]}"
    )


def sorted_chunks(lengths, batch_size, pool_size=None, order=None):
    n = len(lengths)
    order = list(range(n)) if order is None else order
    pool = pool_size or n
    ordered = []
    for start in range(0, n, pool):
        ordered.extend(sorted(order[start : start + pool], key=lambda i: lengths[i]))
    return [ordered[s : s + batch_size] for s in range(0, n, batch_size)]


# ---------------------------------------------------------------- the dataset and collate


@shows_expected
@points(1)
def test_dataset_items(student):
    rng = submission_rng(f"{SLUG}:dataset")
    n = int(rng.integers(20, 35))
    sequences = draw_sequences(rng, n, int(rng.integers(8, 20)))
    labels = [int(v) for v in rng.integers(0, 4, size=n)]
    text = f"TokenDataset(<{n} sequences of {min(map(len, sequences))} to {max(map(len, sequences))} tokens>, labels)"
    dataset = call(student, "TokenDataset", text, sequences, labels)
    assert len(dataset) == n, f"len({text}) is {len(dataset)}, expected {n}"
    got_lengths = dataset.lengths
    assert list(got_lengths) == [len(s) for s in sequences], (
        f"{text}.lengths should list each sequence's own length, in order; got {list(got_lengths)[:10]}... "
        "(the true lengths, not padded ones)"
    )
    try:
        loader = student.torch.utils.data.DataLoader(dataset, batch_size=None)
        items = list(loader)
    except (StudentError, AttributeError) as error:
        message = getattr(error, "message", str(error))
        raise AssertionError(
            f"reading the items of {text} (through torch.utils.data.DataLoader(dataset, batch_size=None) in your "
            f"module's torch: keep `import torch` at the top) failed: {message[:300]}"
        ) from None
    assert len(items) == n, f"{text} gave {len(items)} items, expected {n}"
    for index, (item, seq, label) in enumerate(zip(items, sequences, labels)):
        assert isinstance(item, dict) and {"tokens", "label"} <= set(item), (
            f"{text}[{index}] should be a dict with 'tokens' and 'label', got {item!r:.150}"
        )
        tokens = item["tokens"]
        assert isinstance(tokens, torch.Tensor) and tokens.dtype == torch.long and tokens.dim() == 1, (
            f"{text}[{index}]['tokens'] should be a 1-D torch.long tensor, got {tokens!r:.150}"
        )
        assert tokens.tolist() == seq, (
            f"{text}[{index}]['tokens'] has {len(tokens)} tokens; the sequence has {len(seq)}: return the sequence "
            "itself, unpadded (padding belongs in collate, to the longest sequence of each batch)"
        )
        assert int(item["label"]) == label, f"{text}[{index}]['label'] is {item['label']!r}, not the label given for that sequence"
    try:
        student.TokenDataset(sequences, labels[:-1])
    except StudentError as error:
        assert error.type_name == "ValueError", f"TokenDataset with {n} sequences and {n - 1} labels raised {error.type_name}, expected ValueError"
    else:
        raise AssertionError(f"TokenDataset with {n} sequences and {n - 1} labels should raise ValueError")


def collate_inputs(rng):
    batch_size = int(rng.integers(4, 9))
    sequences = draw_sequences(rng, batch_size, int(rng.integers(6, 15)))
    pad_id = int(rng.choice([0, 1, 3, 9999]))
    sequences = [[t if t != pad_id else pad_id + 1 for t in s] for s in sequences]
    labels = [int(v) for v in rng.integers(0, 5, size=batch_size)]
    items = [{"tokens": torch.tensor(s, dtype=torch.long), "label": y} for s, y in zip(sequences, labels)]
    text = f"collate(<{batch_size} items of lengths {[len(s) for s in sequences]}>, pad_id={pad_id})"
    return sequences, labels, pad_id, items, text


def checked_collate(student, items, pad_id, text):
    got = call(student, "collate", text, items, pad_id=pad_id)
    assert isinstance(got, dict) and {"tokens", "lengths", "attention_mask", "labels"} <= set(got), (
        f"{text} should return a dict with 'tokens', 'lengths', 'attention_mask' and 'labels', got {got!r:.200}"
    )
    for key in ("tokens", "lengths", "attention_mask", "labels"):
        assert isinstance(got[key], torch.Tensor), f"{text}[{key!r}] should be a tensor, got {type(got[key]).__name__}"
    return got


@shows_expected
@points(1.5)
def test_collate_pads_to_the_batch_longest(student):
    rng = submission_rng(f"{SLUG}:collate")
    sequences, labels, pad_id, items, text = collate_inputs(rng)
    got = checked_collate(student, items, pad_id, text)
    longest = max(len(s) for s in sequences)
    tokens = got["tokens"]
    assert tuple(tokens.shape) == (len(items), longest), (
        f"{text}['tokens'] has shape {tuple(tokens.shape)}, expected {(len(items), longest)}: one row per item, "
        "padded to the longest sequence of THIS batch"
    )
    assert tokens.dtype == torch.long, f"{text}['tokens'] has dtype {tokens.dtype}, expected torch.long"
    for row, seq in enumerate(sequences):
        assert tokens[row, : len(seq)].tolist() == seq, f"{text}: row {row} should start with the item's tokens {seq}, in order"
        padding = tokens[row, len(seq) :].tolist()
        assert padding == [pad_id] * (longest - len(seq)), (
            f"{text}: row {row} should end with {longest - len(seq)} copies of pad_id={pad_id} (padding on the right), "
            f"got {padding}"
        )
    assert got["lengths"].dtype == torch.long and got["lengths"].tolist() == [len(s) for s in sequences], (
        f"{text}['lengths'] is {got['lengths']!r}, expected a torch.long tensor {[len(s) for s in sequences]}"
    )
    assert got["labels"].dtype == torch.long and got["labels"].tolist() == labels, (
        f"{text}['labels'] is {got['labels']!r}, expected a torch.long tensor {labels}"
    )


@shows_expected
@points(1)
def test_collate_attention_mask(student):
    rng = submission_rng(f"{SLUG}:mask")
    sequences, _, pad_id, items, text = collate_inputs(rng)
    got = checked_collate(student, items, pad_id, text)
    mask = got["attention_mask"]
    longest = max(len(s) for s in sequences)
    assert mask.dtype == torch.bool, f"{text}['attention_mask'] has dtype {mask.dtype}, expected torch.bool"
    assert tuple(mask.shape) == (len(items), longest), f"{text}['attention_mask'] has shape {tuple(mask.shape)}, expected {(len(items), longest)}"
    for row, seq in enumerate(sequences):
        want = [True] * len(seq) + [False] * (longest - len(seq))
        assert mask[row].tolist() == want, (
            f"{text}: attention_mask row {row} (a sequence of {len(seq)} tokens) is {mask[row].tolist()}, expected "
            f"{want}: True marks the real tokens, False the padding"
        )


# ---------------------------------------------------------------- the sampler


@shows_expected
@points(1.5)
def test_sampler_without_shuffle_is_exact(student):
    rng = submission_rng(f"{SLUG}:exact")
    n, batch_size = sizes(rng)
    lengths = draw_lengths(rng, n, 1, 12)  # many ties: the sort must be stable
    pool_size = batch_size * int(rng.integers(2, 4))
    for pool in (None, pool_size):
        text = f"BucketBatchSampler(lengths={lengths}, batch_size={batch_size}, shuffle=False, pool_size={pool})"
        _, got = sampler_batches(student, text, lengths, batch_size, shuffle=False, pool_size=pool)
        want = sorted_chunks(lengths, batch_size, pool)
        assert got == want, (
            f"{text} yielded {got}, expected {want}: without shuffling the order is 0..n-1, cut into pools of "
            "pool_size consecutive indices (one pool when None); each pool is sorted by length, shortest first, "
            "with a STABLE sort (equal lengths keep their order), and the result is cut into batches"
        )


@shows_expected
@points(1)
def test_shuffled_batches_group_similar_lengths(student):
    rng = submission_rng(f"{SLUG}:grouped")
    n, batch_size = sizes(rng)
    lengths = draw_lengths(rng, n, 1, 80)
    seed = int(rng.integers(0, 10_000))
    text = f"BucketBatchSampler(<{n} lengths from 1 to 80>, batch_size={batch_size}, shuffle=True, seed={seed})"
    _, got = sampler_batches(student, text, lengths, batch_size, shuffle=True, seed=seed)
    check_partition(got, n, text, batch_size)
    got_contents = Counter(tuple(sorted(lengths[i] for i in b)) for b in got)
    want_contents = Counter(tuple(lengths[i] for i in b) for b in sorted_chunks(lengths, batch_size))
    assert got_contents == want_contents, (
        f"{text}: the batches do not group similar lengths. With one pool (pool_size=None) the shuffled indices "
        "are sorted by length, shortest first, then cut into batches, so each batch holds neighbouring lengths and "
        "only the last batch (the longest sequences) may be partial; only then is the ORDER of the batches shuffled"
    )
    firsts = [min(lengths[i] for i in b) for b in got]
    assert firsts != sorted(firsts), (
        f"{text} yielded its batches from shortest to longest: with shuffle=True shuffle the order of the batches "
        "(with the same generator), or every epoch starts with the short sequences"
    )


@shows_expected
@points(1)
def test_sampler_keeps_the_last_partial_batch(student):
    rng = submission_rng(f"{SLUG}:partial")
    n, batch_size = sizes(rng)
    lengths = draw_lengths(rng, n, 1, 40)
    seed = int(rng.integers(0, 10_000))
    for drop_last in (False, True):
        text = (f"BucketBatchSampler(<{n} lengths>, batch_size={batch_size}, shuffle=True, seed={seed}, "
                f"drop_last={drop_last})")
        sampler, got = sampler_batches(student, text, lengths, batch_size, shuffle=True, seed=seed, drop_last=drop_last)
        count = n // batch_size if drop_last else math.ceil(n / batch_size)
        assert len(got) == count, (
            f"{text} yielded {len(got)} batches for {n} indices; expected {count}: "
            + ("drop_last=True drops only the last partial batch" if drop_last else
               "the last partial batch must be kept unless drop_last=True (silently losing examples every epoch)")
        )
        assert len(sampler) == count, f"len({text}) is {len(sampler)}, but it yields {len(got)} batches; they must agree"
        flat = [i for b in got for i in b]
        assert len(flat) == len(set(flat)), f"{text} yielded an index twice"
        if drop_last:
            assert all(len(b) == batch_size for b in got), f"{text} yielded a batch of another size: {[len(b) for b in got]}"
        else:
            check_partition(got, n, text, batch_size)


@points(1)
def test_shuffling_is_seeded(student):
    rng = submission_rng(f"{SLUG}:seeded")
    n, batch_size = sizes(rng)
    lengths = draw_lengths(rng, n, 1, 80)
    seed = int(rng.integers(0, 10_000))
    text = f"BucketBatchSampler(<{n} lengths>, batch_size={batch_size}, shuffle=True, seed={seed})"
    sampler, first = sampler_batches(student, text, lengths, batch_size, shuffle=True, seed=seed)
    _, twin = sampler_batches(student, text, lengths, batch_size, shuffle=True, seed=seed)
    assert first == twin, (
        f"two samplers {text} yielded different batches: shuffle with torch.Generator().manual_seed(seed + epoch), "
        "not with torch's global random state"
    )
    assert list_batches(sampler, text) == first, (
        f"iterating twice over one {text} (same epoch) gave different batches: make a new generator seeded "
        "seed + epoch in each __iter__"
    )
    _, other = sampler_batches(student, text.replace(f"seed={seed}", f"seed={seed + 1}"), lengths, batch_size, shuffle=True, seed=seed + 1)
    assert other != first, f"{text} and the same with seed={seed + 1} yielded the same batches: the seed must change the shuffle"
    try:
        sampler.set_epoch(1)
    except StudentError as error:
        raise AssertionError(f"{text}.set_epoch(1) raised {error.type_name}: {error.message[:200]}") from None
    epoch_one = list_batches(sampler, text + " after set_epoch(1)")
    assert epoch_one != first, f"{text}: after set_epoch(1) the batches came in the same order as in epoch 0"
    sampler.set_epoch(0)
    assert list_batches(sampler, text + " after set_epoch(0)") == first, (
        f"{text}: after set_epoch(0) the batches differ from those of epoch 0: the shuffle must depend only on seed + epoch"
    )


# ---------------------------------------------------------------- the loader and the split


@shows_expected
@points(1)
def test_loader_batches(student):
    rng = submission_rng(f"{SLUG}:loader")
    n, batch_size = sizes(rng)
    sequences = draw_sequences(rng, n, int(rng.integers(30, 50)))
    labels = [int(v) for v in rng.integers(0, 3, size=n)]
    pad_id = int(rng.choice([0, 7]))
    sequences = [[t if t != pad_id else pad_id + 1 for t in s] for s in sequences]
    seed = int(rng.integers(0, 10_000))
    dataset = call(student, "TokenDataset", "TokenDataset(sequences, labels)", sequences, labels)
    text = f"make_loader(<TokenDataset of {n} sequences>, batch_size={batch_size}, seed={seed}, pad_id={pad_id})"
    loader = call(student, "make_loader", text, dataset, batch_size, seed=seed, pad_id=pad_id)
    try:
        with call_timeout(20):
            batches = list(loader)
    except StudentError as error:
        raise AssertionError(f"iterating over {text} raised {error.type_name}: {error.message[:300]}") from None
    assert len(batches) == math.ceil(n / batch_size), f"{text} yielded {len(batches)} batches for {n} sequences and batch_size={batch_size}"
    by_content = {tuple(s): y for s, y in zip(sequences, labels)}
    seen = []
    lengths = [len(s) for s in sequences]
    for number, batch in enumerate(batches):
        assert isinstance(batch, dict) and {"tokens", "lengths", "attention_mask", "labels"} <= set(batch), (
            f"{text}: batch {number} should be collate's dict, got {batch!r:.150}"
        )
        tokens, batch_lengths = batch["tokens"], batch["lengths"].tolist()
        assert tokens.shape[1] == max(batch_lengths), (
            f"{text}: batch {number} is {tokens.shape[1]} tokens wide, but its longest sequence has "
            f"{max(batch_lengths)}: pad each batch to its own longest sequence, not to the dataset's"
        )
        for row, length in enumerate(batch_lengths):
            content = tuple(tokens[row, :length].tolist())
            assert content in by_content, f"{text}: batch {number}, row {row} is not one of the dataset's sequences"
            assert int(batch["labels"][row]) == by_content[content], f"{text}: batch {number}, row {row} has another sequence's label"
            assert tokens[row, length:].tolist() == [pad_id] * (tokens.shape[1] - length), f"{text}: batch {number}, row {row} is not padded with pad_id={pad_id}"
            seen.append(content)
        assert batch["attention_mask"].tolist() == [[j < length for j in range(tokens.shape[1])] for length in batch_lengths], (
            f"{text}: batch {number}'s attention_mask is not True exactly at the real tokens"
        )
    assert sorted(seen) == sorted(by_content), f"{text}: one epoch should give every sequence exactly once"
    got_contents = Counter(tuple(sorted(b["lengths"].tolist())) for b in batches)
    want_contents = Counter(tuple(lengths[i] for i in b) for b in sorted_chunks(lengths, batch_size))
    assert got_contents == want_contents, (
        f"{text}: the batches do not group sequences of similar length; use your BucketBatchSampler over "
        "dataset.lengths as the DataLoader's batch_sampler"
    )


@points(1)
def test_group_split_keeps_groups_apart(student):
    rng = submission_rng(f"{SLUG}:split")
    count = int(rng.integers(12, 25))
    names = [f"patient-{int(v)}" for v in rng.choice(900, size=count, replace=False) + 100]
    groups = [name for name in names for _ in range(int(rng.integers(2, 7)))]
    groups = [groups[i] for i in rng.permutation(len(groups))]
    k = int(rng.integers(2, count // 2))
    fraction = round((k + float(rng.uniform(-0.3, 0.3))) / count, 4)
    seed = int(rng.integers(0, 10_000))
    text = f"group_split(<{len(groups)} rows from {count} groups>, val_fraction={fraction}, seed={seed})"
    got = call(student, "group_split", text, groups, fraction, seed)
    assert isinstance(got, (tuple, list)) and len(got) == 2, f"{text} should return (train_indices, val_indices), got {got!r:.150}"
    train, val = (list(part) for part in got)
    assert train == sorted(train) and val == sorted(val), f"{text}: return each list of indices sorted"
    assert sorted(train + val) == list(range(len(groups))), f"{text}: every row index should be in exactly one of the two lists"
    train_groups, val_groups = {groups[i] for i in train}, {groups[i] for i in val}
    shared = sorted(train_groups & val_groups)
    assert not shared, (
        f"{text}: {len(shared)} groups have rows on both sides (for example {shared[:3]}): split the GROUPS, then "
        "send all the rows of a group to its side, or the validation score rewards remembering a patient"
    )
    assert len(val_groups) == k, (
        f"{text} put {len(val_groups)} of the {count} groups into validation, expected {expected(k)}: "
        "round(val_fraction * number of groups), at least 1 and at most all but one"
    )
    again = call(student, "group_split", text, groups, fraction, seed)
    assert [list(part) for part in again] == [train, val], f"two calls of {text} gave different splits: seed a torch.Generator"
    splits = {tuple(call(student, "group_split", text, groups, fraction, seed + s)[1]) for s in range(1, 7)}
    assert len(splits) > 1, f"group_split with seeds {seed + 1}..{seed + 6} always chose the same validation rows: shuffle the groups with the seeded generator"

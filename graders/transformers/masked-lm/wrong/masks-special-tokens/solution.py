import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never try to reach the Hub

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from transformers import BertConfig, BertForMaskedLM  # noqa: E402

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PAD_ID, UNK_ID, CLS_ID, SEP_ID, MASK_ID = 0, 1, 2, 3, 4
NUM_SPECIAL = len(SPECIAL_TOKENS)


def build_vocab(sentences) -> list[str]:
    words = sorted({word for sentence in sentences for word in sentence.split()} - set(SPECIAL_TOKENS))
    return SPECIAL_TOKENS + words


def encode_batch(sentences, vocab) -> dict:
    index = {token: i for i, token in enumerate(vocab)}
    rows = [[CLS_ID, *(index.get(word, UNK_ID) for word in s.split()), SEP_ID] for s in sentences]
    longest = max(len(row) for row in rows)
    input_ids = torch.full((len(rows), longest), PAD_ID, dtype=torch.long)
    attention_mask = torch.zeros((len(rows), longest), dtype=torch.long)
    for i, row in enumerate(rows):
        input_ids[i, : len(row)] = torch.tensor(row)
        attention_mask[i, : len(row)] = 1
    return {"input_ids": input_ids, "attention_mask": attention_mask}


def mask_tokens(input_ids, vocab_size, mlm_probability=0.15, generator=None, seed=None):
    if generator is None and seed is not None:
        generator = torch.Generator().manual_seed(seed)
    inputs = input_ids.clone()
    labels = input_ids.clone()
    special = input_ids < NUM_SPECIAL  # [PAD], [UNK], [CLS], [SEP], [MASK] are never chosen
    probability = torch.full(input_ids.shape, mlm_probability)
    selected = torch.bernoulli(probability, generator=generator).bool()
    labels[~selected] = -100  # the loss only looks at the selected positions
    replaced = torch.bernoulli(torch.full(input_ids.shape, 0.8), generator=generator).bool() & selected
    inputs[replaced] = MASK_ID
    randomised = torch.bernoulli(torch.full(input_ids.shape, 0.5), generator=generator).bool() & selected & ~replaced
    random_ids = torch.randint(NUM_SPECIAL, vocab_size, input_ids.shape, generator=generator)
    inputs[randomised] = random_ids[randomised]
    return inputs, labels  # the remaining 10% of the selected positions keep their token


def build_model(vocab_size, hidden_size=64, num_layers=2, num_heads=4, intermediate_size=128, max_positions=32, seed=0):
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=num_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_positions,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        pad_token_id=PAD_ID,
    )
    return BertForMaskedLM(config)


def mlm_loss(model, input_ids, attention_mask, labels):
    logits = model(input_ids=input_ids, attention_mask=attention_mask).logits
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)


def train_mlm(sentences, steps=250, batch_size=64, lr=3e-3, seed=0):
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    vocab = build_vocab(sentences)
    batch = encode_batch(sentences, vocab)
    model = build_model(len(vocab), seed=seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    losses = []
    model.train()
    for _ in range(steps):
        rows = torch.randint(len(sentences), (batch_size,), generator=generator)
        inputs, labels = mask_tokens(batch["input_ids"][rows], len(vocab), generator=generator)
        loss = mlm_loss(model, inputs, batch["attention_mask"][rows], labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    return model, vocab, losses


@torch.no_grad()
def fill_mask(model, vocab, sentence, k=5):
    if sentence.split().count("[MASK]") != 1:
        raise ValueError("the sentence should contain exactly one [MASK]")
    batch = encode_batch([sentence], vocab)
    position = int((batch["input_ids"][0] == MASK_ID).nonzero()[0, 0])
    logits = model(**batch).logits[0, position]
    probs = torch.softmax(logits, dim=-1)
    top = torch.topk(probs, k)
    return [(vocab[int(i)], float(p)) for p, i in zip(top.values, top.indices)]

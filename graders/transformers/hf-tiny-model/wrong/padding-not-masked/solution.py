import json
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach the Hub: everything here is built locally

import torch  # noqa: E402
from transformers import GPT2Config, GPT2LMHeadModel  # noqa: E402

PAD, EOS = "<pad>", "<eos>"


class CharTokenizer:
    def __init__(self, chars: str, padding_side: str = "right") -> None:
        self.chars = sorted(set(chars))
        self.tokens = [PAD, EOS, *self.chars]
        self.ids = {ch: i for i, ch in enumerate(self.tokens)}
        self.pad_token_id, self.eos_token_id = 0, 1
        self.padding_side = padding_side

    @property
    def vocab_size(self) -> int:
        return len(self.tokens)

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str, add_eos: bool = False) -> list[int]:
        unknown = sorted(set(text) - set(self.chars))
        if unknown:
            raise ValueError(f"characters not in the vocabulary: {unknown}")
        ids = [self.ids[ch] for ch in text]
        return ids + [self.eos_token_id] if add_eos else ids

    def decode(self, ids, skip_special_tokens: bool = True) -> str:
        tokens = [self.tokens[int(i)] for i in ids]
        if skip_special_tokens:
            tokens = [t for t in tokens if t not in (PAD, EOS)]
        return "".join(tokens)

    def batch_decode(self, sequences, skip_special_tokens: bool = True) -> list[str]:
        return [self.decode(ids, skip_special_tokens) for ids in sequences]

    def __call__(self, texts, padding=True, padding_side=None, add_eos=False, return_tensors="pt"):
        if isinstance(texts, str):
            texts = [texts]
        side = padding_side or self.padding_side
        if side not in ("left", "right"):
            raise ValueError(f"padding_side must be 'left' or 'right', not {side!r}")
        rows = [self.encode(t, add_eos=add_eos) for t in texts]
        width = max(len(r) for r in rows)
        ids, mask = [], []
        for row in rows:
            fill = [self.pad_token_id] * (width - len(row))
            ones, zeros = [1] * len(row), [0] * len(fill)
            ids.append(fill + row if side == "left" else row + fill)
            mask.append(zeros + ones if side == "left" else ones + zeros)
        return {"input_ids": torch.tensor(ids, dtype=torch.long), "attention_mask": torch.tensor(mask, dtype=torch.long)}

    def save(self, folder: str) -> None:
        with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as handle:
            json.dump({"chars": "".join(self.chars), "padding_side": self.padding_side}, handle)

    @classmethod
    def load(cls, folder: str) -> "CharTokenizer":
        with open(os.path.join(folder, "tokenizer.json"), encoding="utf-8") as handle:
            saved = json.load(handle)
        return cls(saved["chars"], padding_side=saved["padding_side"])


def build_model(tokenizer, n_positions=64, n_embd=32, n_layer=2, n_head=2, seed=0):
    torch.manual_seed(seed)
    config = GPT2Config(
        vocab_size=len(tokenizer), n_positions=n_positions, n_embd=n_embd, n_layer=n_layer, n_head=n_head,
        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return GPT2LMHeadModel(config)


def make_labels(input_ids, attention_mask):
    # The model shifts the labels itself (logits at t are scored against labels at t + 1): do not shift here.
    return input_ids.clone()  # padding positions count in the loss


def lm_loss(model, batch):
    labels = make_labels(batch["input_ids"], batch["attention_mask"])
    return model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=labels).loss


def train(model, tokenizer, texts, steps=200, batch_size=16, lr=3e-3, seed=0):
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    losses = []
    for _ in range(steps):
        picks = torch.randint(len(texts), (batch_size,), generator=generator).tolist()
        batch = tokenizer([texts[i] for i in picks], padding_side="right", add_eos=True)
        loss = lm_loss(model, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    return losses


@torch.no_grad()
def generate_text(model, tokenizer, prompts, max_new_tokens=20):
    batch = tokenizer(prompts, padding_side="left")  # a decoder continues from the END of each row
    out = model.generate(
        **batch, max_new_tokens=max_new_tokens, do_sample=False,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
    )
    return tokenizer.batch_decode(out[:, batch["input_ids"].shape[1]:], skip_special_tokens=True)


def save(model, tokenizer, folder):
    model.save_pretrained(folder)  # config.json + model.safetensors (+ generation_config.json)
    tokenizer.save(folder)


def load(folder):
    return GPT2LMHeadModel.from_pretrained(folder), CharTokenizer.load(folder)

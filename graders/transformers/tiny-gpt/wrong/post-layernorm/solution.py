import torch
import torch.nn.functional as F
from torch import nn


def build_vocab(text: str) -> list[str]:
    return sorted(set(text))


def encode(text: str, vocab: list[str]) -> list[int]:
    index = {ch: i for i, ch in enumerate(vocab)}
    return [index[ch] for ch in text]


def decode(ids, vocab: list[str]) -> str:
    return "".join(vocab[int(i)] for i in ids)


def get_batch(data: torch.Tensor, block_size: int, batch_size: int, generator=None):
    starts = torch.randint(len(data) - block_size, (batch_size,), generator=generator)
    x = torch.stack([data[s : s + block_size] for s in starts.tolist()])
    y = torch.stack([data[s + 1 : s + block_size + 1] for s in starts.tolist()])
    return x, y


class Block(nn.Module):
    """Pre-LayerNorm transformer block: x + attn(ln1(x)), then x + mlp(ln2(x))."""

    def __init__(self, n_embd: int, n_head: int) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(n_embd)
        self.attn = nn.MultiheadAttention(n_embd, n_head, batch_first=True)
        self.ln2 = nn.LayerNorm(n_embd)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        length = x.shape[1]
        # nn.MultiheadAttention's boolean mask: True = may NOT attend, so block everything above the diagonal.
        future = torch.triu(torch.ones(length, length, dtype=torch.bool, device=x.device), diagonal=1)
        attended, _ = self.attn(x, x, x, attn_mask=future, need_weights=False)
        x = self.ln1(x + attended)  # post-LN: normalise after adding
        return self.ln2(x + self.mlp(x))


class TinyGPT(nn.Module):
    def __init__(self, vocab_size: int, block_size: int, n_layer: int = 2, n_head: int = 4, n_embd: int = 64) -> None:
        super().__init__()
        self.block_size = block_size
        self.tok_emb = nn.Embedding(vocab_size, n_embd)
        self.pos_emb = nn.Embedding(block_size, n_embd)
        self.blocks = nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.head = nn.Linear(n_embd, vocab_size, bias=False)
        self.head.weight = self.tok_emb.weight  # weight tying: one matrix, used twice
        nn.init.normal_(self.tok_emb.weight, std=0.02)  # small logits at the start: first loss near ln(V)
        nn.init.normal_(self.pos_emb.weight, std=0.02)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        length = idx.shape[1]
        if length > self.block_size:
            raise ValueError(f"sequence length {length} is longer than block_size {self.block_size}")
        positions = torch.arange(length, device=idx.device)
        x = self.tok_emb(idx) + self.pos_emb(positions)
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln_f(x))


def count_parameters(model: nn.Module) -> int:
    # model.parameters() yields a shared (tied) tensor once; state_dict() would list it twice.
    return sum(p.numel() for p in model.parameters())


def train_model(text, block_size=32, n_layer=2, n_head=4, n_embd=64, steps=500, batch_size=32, lr=3e-3, seed=0):
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    vocab = build_vocab(text)
    data = torch.tensor(encode(text, vocab), dtype=torch.long)
    model = TinyGPT(len(vocab), block_size, n_layer, n_head, n_embd)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    losses = []
    model.train()
    for _ in range(steps):
        x, y = get_batch(data, block_size, batch_size, generator)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    return model, vocab, losses


@torch.no_grad()
def generate(model, idx, max_new_tokens, temperature=1.0, greedy=False, seed=None):
    generator = None if seed is None else torch.Generator().manual_seed(seed)
    idx = idx.clone()
    for _ in range(max_new_tokens):
        context = idx[:, -model.block_size :]  # the model never sees more than block_size tokens
        logits = model(context)[:, -1, :]
        if greedy:
            nxt = logits.argmax(dim=-1, keepdim=True)
        else:
            probs = torch.softmax(logits / temperature, dim=-1)
            nxt = torch.multinomial(probs, num_samples=1, generator=generator)
        idx = torch.cat([idx, nxt], dim=1)
    return idx

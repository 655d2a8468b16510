import torch
import torch.nn.functional as F
from torch import nn

PAD, BOS, EOS = 0, 1, 2
VOCAB_SIZE = 13  # PAD, BOS, EOS, then the digits 0-9 as tokens 3..12


def to_tokens(digits: str) -> list[int]:
    return [int(d) + 3 for d in digits]


def to_digits(tokens) -> str:
    return "".join(str(int(t) - 3) for t in tokens if int(t) >= 3)


def pad_batch(seqs) -> torch.Tensor:
    longest = max(len(s) for s in seqs)
    out = torch.full((len(seqs), longest), PAD, dtype=torch.long)
    for row, seq in enumerate(seqs):
        out[row, : len(seq)] = torch.as_tensor(list(seq), dtype=torch.long)
    return out


def shift_right(targets):
    # Teacher forcing: the decoder reads BOS + the target and must predict the target + EOS, one step ahead.
    decoder_input = pad_batch([[BOS, *t] for t in targets])
    decoder_target = pad_batch([[*t, EOS] for t in targets])
    return decoder_input, decoder_target


def padding_mask(tokens: torch.Tensor) -> torch.Tensor:
    return tokens == PAD  # nn.MultiheadAttention's key_padding_mask: True = ignore this key


def causal_mask(size: int) -> torch.Tensor:
    return torch.triu(torch.ones(size, size, dtype=torch.bool), diagonal=1)  # True = may NOT attend


class EncoderLayer(nn.Module):
    def __init__(self, d_model: int, n_head: int, d_ff: int) -> None:
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, n_head, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(d_model, d_ff), nn.ReLU(), nn.Linear(d_ff, d_model))
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)

    def forward(self, x, src_padding_mask):
        attended, _ = self.self_attn(x, x, x, key_padding_mask=src_padding_mask, need_weights=False)
        x = self.norm1(x + attended)
        return self.norm2(x + self.ff(x))


class DecoderLayer(nn.Module):
    def __init__(self, d_model: int, n_head: int, d_ff: int) -> None:
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, n_head, batch_first=True)
        self.cross_attn = nn.MultiheadAttention(d_model, n_head, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(d_model, d_ff), nn.ReLU(), nn.Linear(d_ff, d_model))
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.norm3 = nn.LayerNorm(d_model)

    def forward(self, y, memory, src_padding_mask):
        future = causal_mask(y.shape[1]).to(y.device)
        attended, _ = self.self_attn(y, y, y, attn_mask=future, need_weights=False)
        y = self.norm1(y + attended)
        # Cross-attention: queries from the decoder, keys and values from the encoder's output.
        attended, _ = self.cross_attn(y, memory, memory, need_weights=False)
        y = self.norm2(y + attended)
        return self.norm3(y + self.ff(y))


class Seq2Seq(nn.Module):
    def __init__(self, vocab_size=VOCAB_SIZE, d_model=32, n_head=4, d_ff=64, n_layers=1, max_len=24) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, d_model)
        self.pos = nn.Embedding(max_len, d_model)
        self.encoder = nn.ModuleList([EncoderLayer(d_model, n_head, d_ff) for _ in range(n_layers)])
        self.decoder = nn.ModuleList([DecoderLayer(d_model, n_head, d_ff) for _ in range(n_layers)])
        self.out = nn.Linear(d_model, vocab_size)

    def _embed(self, tokens):
        return self.embed(tokens) + self.pos(torch.arange(tokens.shape[1], device=tokens.device))

    def encode(self, src):
        mask = padding_mask(src)
        x = self._embed(src)
        for layer in self.encoder:
            x = layer(x, mask)
        return x

    def decode(self, decoder_input, memory, src_padding_mask):
        y = self._embed(decoder_input)
        for layer in self.decoder:
            y = layer(y, memory, src_padding_mask)
        return self.out(y)

    def forward(self, src, decoder_input):
        return self.decode(decoder_input, self.encode(src), padding_mask(src))


@torch.no_grad()
def greedy_decode(model, src, max_len=20):
    memory = model.encode(src)
    mask = padding_mask(src)
    ys = torch.full((src.shape[0], 1), BOS, dtype=torch.long)
    finished = torch.zeros(src.shape[0], dtype=torch.bool)
    for _ in range(max_len):
        nxt = model.decode(ys, memory, mask)[:, -1].argmax(dim=-1)
        nxt = torch.where(finished, torch.full_like(nxt, PAD), nxt)
        ys = torch.cat([ys, nxt[:, None]], dim=1)
        finished |= nxt == EOS
        if bool(finished.all()):
            break
    results = []
    for row in ys[:, 1:].tolist():
        out = []
        for token in row:
            if token in (EOS, PAD):
                break
            out.append(token)
        results.append(out)
    return results


def train_model(sources, targets, steps=200, batch_size=128, lr=3e-3, seed=0):
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = Seq2Seq()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    model.train()
    for _ in range(steps):
        rows = torch.randint(len(sources), (batch_size,), generator=generator).tolist()
        src = pad_batch([sources[i] for i in rows])
        decoder_input, decoder_target = shift_right([targets[i] for i in rows])
        logits = model(src, decoder_input)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), decoder_target.reshape(-1), ignore_index=PAD)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    return model, losses

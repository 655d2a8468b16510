# --- cell 2 ---
import torch
from torch import nn
# --- cell 4 ---
class MLP(nn.Module):
    """Linear -> ReLU -> Dropout -> Linear -> ReLU -> Linear; forward returns logits."""

    def __init__(self, in_features, hidden, out_features, dropout=0.2):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(in_features, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, out_features),  # logits: CrossEntropyLoss applies log-softmax itself
        )

    def forward(self, x):
        return self.layers(x)
# --- cell 6 ---
def accuracy(logits, y):
    """Share of rows whose arg-max logit equals the label, as a float."""
    return float((logits.argmax(dim=1) == y).float().mean())
# --- cell 8 ---
def train_model(X, y, hidden=32, epochs=40, lr=0.01, batch_size=32, seed=0):
    """Train an MLP with Adam and cross-entropy; return (model in eval mode, [average loss per epoch])."""
    torch.manual_seed(seed)
    X = torch.as_tensor(X, dtype=torch.float32)
    y = torch.as_tensor(y, dtype=torch.long)
    model = MLP(X.shape[1], hidden, int(y.max()) + 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(X))
        total = 0.0
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            loss = loss_fn(model(X[rows]), y[rows])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(rows)
        losses.append(total / len(X))
    model.eval()
    return model, losses
# --- cell 10 ---
if __name__ == "__main__":
    torch.manual_seed(0)
    X_demo = torch.randn(300, 2)
    y_demo = (X_demo.norm(dim=1) > 1.2).long()          # inside or outside a circle
    model, losses = train_model(X_demo, y_demo, epochs=20)
    print("first and last loss:", round(losses[0], 3), round(losses[-1], 3))
    print("training accuracy:", accuracy(model(X_demo), y_demo), "training mode:", model.training)

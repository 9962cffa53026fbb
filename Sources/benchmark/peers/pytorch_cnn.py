# PyTorch's training speed on the benchmark's two networks, for `swift run -c release benchmark`,
# which runs this script in the same run as the engine (so the ratio holds on a busy machine).
#
#   python3 Sources/benchmark/peers/pytorch_cnn.py [--threads N] [--rounds R] [--quick]
#
# Same networks, shapes, batch sizes, optimizer and timing as the benchmark's "Training" section:
# lesson 04's 2017 CNN (batch 100, Adam 1e-4) and SimpleCNN (batch 64, Adam 1e-3, dropout 0.5), on
# random images, best of R runs (default 3) of 30 full steps (forward, loss, zero the gradients,
# backward, Adam). The benchmark asks for one run at a time, taking turns with the engine.
# Prints one line per network: "<name> <images per second>", after "torch <version> <threads>".
# Exits 3 when torch is not installed (the benchmark then prints "PyTorch: not installed").
import sys, time

try:
    import torch
    from torch import nn
except ImportError:
    sys.exit(3)

threads, rounds, quick = 2, 3, "--quick" in sys.argv
if "--threads" in sys.argv:
    threads = int(sys.argv[sys.argv.index("--threads") + 1])
if "--rounds" in sys.argv:
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1])
torch.set_num_threads(threads)
torch.manual_seed(1)
print("torch", torch.__version__, torch.get_num_threads(), flush=True)


def tutorial_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(7 * 7 * 64, 1024), nn.ReLU(), nn.Linear(1024, 10))


def simple_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(7 * 7 * 64, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))


def rate(model, batch, learning_rate):
    images = torch.rand(batch, 1, 28, 28)
    labels = torch.randint(0, 10, (batch,))
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    loss_function = nn.CrossEntropyLoss()
    model.train()

    def step():
        loss = loss_function(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    for _ in range(3):
        step()  # warm up
    steps = 5 if quick else 30
    best = float("inf")
    for _ in range(1 if quick else rounds):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        best = min(best, time.perf_counter() - start)
    return steps * batch / best


print("cnn", rate(tutorial_cnn(), 100, 1e-4), flush=True)
print("simple", rate(simple_cnn(), 64, 1e-3), flush=True)

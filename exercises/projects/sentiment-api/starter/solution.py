"""Capstone: a sentiment API. One file that grows over three milestones; submit it after each one.

m1 Train    load_corpus, train, predict
m2 Persist  save_model, load_model, model_card
m3 Serve    create_app and the module-level `app` (FastAPI), served by uvicorn
"""

MODEL_PATH = "sentiment_model.joblib"  # where the app keeps its model
MAX_BATCH = 32  # most texts in one POST /predict/batch
MAX_CHARS = 1000  # longest accepted review


# ---------------------------------------------------------------- m1: train


def load_corpus(path="reviews.csv"):
    """Read the labelled reviews (a CSV with a header row `text,label`): return (texts, labels), two lists of str."""
    raise NotImplementedError


def train(texts, labels):
    """Fit and return a scikit-learn Pipeline (a word-level TF-IDF vectoriser, then a classifier with
    predict_proba) on these texts and labels only."""
    raise NotImplementedError


def predict(model, texts):
    """One {"label": str, "score": float} per text, in order: the most probable class and its probability."""
    raise NotImplementedError


# ---------------------------------------------------------------- m2: persist


def save_model(model, path):
    """Write the whole fitted pipeline to `path` (joblib)."""
    raise NotImplementedError


def load_model(path):
    """The pipeline saved at `path`; FileNotFoundError when there is no such file."""
    raise NotImplementedError


def model_card(model, texts, labels):
    """{"classes": sorted class names, "vocabulary_size": int, "training_accuracy": float} for a model
    trained on these texts and labels."""
    raise NotImplementedError


# ---------------------------------------------------------------- m3: serve


def create_app(model_path=MODEL_PATH):
    """A FastAPI app that loads the model at `model_path` when it starts (training and saving one there first
    if the file is missing) and serves GET /health, POST /predict and POST /predict/batch."""
    raise NotImplementedError


app = None  # m3: app = create_app()

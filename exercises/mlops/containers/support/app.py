"""The service to containerise (do not change it): a FastAPI app with a health and a readiness endpoint.

Run it locally with:  uvicorn app:app --host 0.0.0.0 --port 8000
It reads the token it needs from the environment variable MODEL_API_TOKEN, which must never be written into
the image or the manifest: in Kubernetes it comes from a Secret.
"""

import os

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI(title="churn-scorer")
WEIGHTS = {"tenure_months": -0.04, "support_tickets": 0.3, "monthly_spend": 0.01}


class Customer(BaseModel):
    tenure_months: float
    support_tickets: float
    monthly_spend: float


@app.get("/health")
def health():
    """Liveness: the process is up and answering."""
    return {"status": "ok"}


@app.get("/ready")
def ready():
    """Readiness: the service can do its work (it has its token)."""
    if not os.environ.get("MODEL_API_TOKEN"):
        return {"ready": False}
    return {"ready": True}


@app.post("/predict")
def predict(customer: Customer):
    score = sum(weight * getattr(customer, name) for name, weight in WEIGHTS.items())
    return {"churn_score": round(score, 4)}

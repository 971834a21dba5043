"""GET /metrics: app/metrics.py's figures for Prometheus, outside /api/v1, no sign-in
(the proxy keeps it from the public side: deploy/haproxy.cfg)."""

from fastapi import Response

from app import metrics
from app.api.routing import APIRouter

router = APIRouter(tags=["operations"])


@router.get("/metrics", include_in_schema=False)
def scrape() -> Response:
    """The metrics, for Prometheus to scrape."""
    return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)

"""Prometheus metrics of one app (its own registry, no global state), served at /metrics."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

Gauged = Callable[[], float]
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """Requests by route, status and error code; latency histograms; queue depth; recognitions in flight."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "chile_id_ocr_requests",
            "HTTP requests by route, status and error code (empty on success).",
            ["route", "status", "error_code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "chile_id_ocr_request_duration_seconds",
            "Time from the request's arrival to the end of its response, by route.",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.recognition = Histogram(
            "chile_id_ocr_recognition_duration_seconds",
            "Time a worker spent on one recognition (decoding included).",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "chile_id_ocr_queue_depth", "Recognitions waiting for a free worker.", registry=self.registry
        )
        self.in_flight = Gauge(
            "chile_id_ocr_recognitions_in_flight", "Recognitions running in a worker.", registry=self.registry
        )
        self.admitted = Gauge(
            "chile_id_ocr_requests_admitted",
            "Recognition requests admitted (reading, waiting or running); beyond the limit: 429.",
            registry=self.registry,
        )

    def watch(
        self, queue_depth: Callable[[], float], in_flight: Callable[[], float], admitted: Callable[[], float]
    ) -> None:
        """Read the gauges from the pool when scraped."""
        self.queue_depth.set_function(queue_depth)
        self.in_flight.set_function(in_flight)
        self.admitted.set_function(admitted)

    def observe_request(self, route: str, status: int, error_code: str, seconds: float) -> None:
        self.requests.labels(route, str(status), error_code).inc()
        self.latency.labels(route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)

#!/usr/bin/env python3
"""Writes deploy/grafana/clipgen.json, the ClipGen dashboard, from the panel list below.

Edit here and run `python3 deploy/grafana/make-dashboard.py`; scripts/check-deploy.sh fails when
the committed JSON differs from what this writes, and the operations test fails when a panel
names a metric the service does not serve.
"""
import json
import pathlib
import sys

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}

# (row title, [(panel title, unit, [(expr, legend)])])
ROWS = [
    ("Traffic", [
        ("Requests by route", "reqps", [("sum by (route) (rate(http_requests_total[5m]))", "{{route}}")]),
        ("Requests by status", "reqps", [("sum by (status) (rate(http_requests_total[5m]))", "{{status}}")]),
        ("Jobs", "ops", [("sum by (status) (rate(jobs_total[5m]))", "{{status}}")]),
    ]),
    ("Errors", [
        ("5xx ratio", "percentunit", [('sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))', "5xx")]),
        ("Job failure ratio", "percentunit",
         [('sum(rate(jobs_total{status="failed"}[30m])) / sum(rate(jobs_total{status=~"succeeded|failed"}[30m]))', "failed")]),
        ("Task errors by code", "ops", [("sum by (code) (rate(error_total[5m]))", "{{code}}")]),
        ("Webhook deliveries", "ops", [("sum by (outcome) (rate(webhook_deliveries_total[5m]))", "{{outcome}}")]),
        ("Backend errors", "ops", [("sum by (backend, operation) (rate(backend_errors_total[5m]))", "{{backend}} {{operation}}")]),
    ]),
    ("Latency", [
        ("API latency", "s", [
            ('histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{route!~".*/events|.*/content"}[5m])))', "p50"),
            ('histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{route!~".*/events|.*/content"}[5m])))', "p95"),
        ]),
        ("API p95 by route", "s", [("histogram_quantile(0.95, sum by (route, le) (rate(http_request_duration_seconds_bucket[5m])))", "{{route}}")]),
        ("Processing p95 by stage", "s", [("histogram_quantile(0.95, sum by (stage, le) (rate(processing_seconds_bucket[15m])))", "{{stage}}")]),
        ("Backend p95", "s", [("histogram_quantile(0.95, sum by (backend, le) (rate(backend_request_duration_seconds_bucket[5m])))", "{{backend}}")]),
    ]),
    ("Queue and workers", [
        ("Queued tasks", "short", [("max by (capability) (queue_size)", "{{capability}}")]),
        ("Oldest queued task", "s", [("max by (capability) (queue_oldest_task_age_seconds)", "{{capability}}")]),
        ("Worker slots", "short", [
            ("sum by (capability) (workers_busy)", "busy {{capability}}"),
            ("sum by (capability) (workers_idle)", "idle {{capability}}"),
        ]),
        ("Worker saturation", "percentunit",
         [("sum by (capability) (workers_busy) / sum by (capability) (workers_busy + workers_idle)", "{{capability}}")]),
    ]),
    ("Rendering", [
        ("Render speed (media seconds per wall second)", "short", [
            ('sum(rate(media_seconds_processed_total{stage="render"}[5m])) / sum(rate(processing_seconds_sum{stage="render"}[5m]))', "render"),
            ('sum(rate(media_seconds_processed_total{stage="analyze"}[5m])) / sum(rate(processing_seconds_sum{stage="analyze"}[5m]))', "analyze"),
        ]),
        ("Clips rendered", "ops", [("sum by (encoder, mode, format) (rate(clips_rendered_total[5m]))", "{{encoder}} {{mode}} {{format}}")]),
        ("Encoders in use", "short", [("sum by (encoder) (worker_encoder)", "{{encoder}}")]),
    ]),
    ("Storage", [
        ("Stored media", "bytes", [("max(storage_bytes)", "uploads and clips")]),
        ("Scratch space free", "bytes", [("min by (instance) (scratch_free_bytes)", "{{instance}}")]),
    ]),
    ("Regions", [
        ("Replication lag", "s", [("max by (kind) (replication_lag_seconds)", "{{kind}}")]),
        ("Standby write-ahead log behind", "bytes", [('max(replication_lag_bytes{kind="database"})', "database")]),
        ("Standbys", "short", [
            ("max(replication_standbys)", "streaming"),
            ("max(replication_slots_inactive)", "slots without a standby"),
        ]),
    ]),
    ("Security", [
        ("Failed sign-ins", "ops", [("sum by (reason) (rate(login_failures_total[5m]))", "{{reason}}")]),
        ("Rate-limit refusals", "ops", [("sum by (scope) (rate(rate_limit_rejections_total[5m]))", "{{scope}}")]),
        ("Audit events by outcome", "ops", [("sum by (outcome) (rate(audit_events_total[5m]))", "{{outcome}}")]),
    ]),
]


def dashboard():
    panels, y, next_id = [], 0, 1
    for row, row_panels in ROWS:
        panels.append({"id": next_id, "type": "row", "title": row, "collapsed": False, "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        next_id += 1
        y += 1
        width = 24 // len(row_panels) if len(row_panels) <= 4 else 8
        for index, (title, unit, targets) in enumerate(row_panels):
            x = (index * width) % 24
            if index and x == 0:
                y += 8
            panels.append({
                "id": next_id, "type": "timeseries", "title": title, "datasource": DATASOURCE,
                "gridPos": {"h": 8, "w": width, "x": x, "y": y},
                "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}},
                "targets": [{"refId": chr(ord("A") + i), "datasource": DATASOURCE, "expr": expr, "legendFormat": legend}
                            for i, (expr, legend) in enumerate(targets)],
            })
            next_id += 1
        y += 8
    return {
        "title": "ClipGen", "uid": "clipgen", "tags": ["clipgen"], "timezone": "utc", "editable": True,
        "schemaVersion": 39, "version": 1, "refresh": "30s", "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [{"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus"}]},
        "annotations": {"list": []}, "links": [], "panels": panels,
    }


if __name__ == "__main__":
    # A path argument writes there instead (scripts/check-deploy.sh compares the two).
    path = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).with_name("clipgen.json")
    path.write_text(json.dumps(dashboard(), indent=2, sort_keys=True) + "\n")

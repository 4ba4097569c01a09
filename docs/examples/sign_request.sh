#!/usr/bin/env bash
# Send one signed request to the signed webhook with curl + openssl (scheme: docs/integrators.md, "Signed webhook").
#
#   WEBHOOK_SECRET=... docs/examples/sign_request.sh URL KEY_ID 'JSON BODY'
#   WEBHOOK_SECRET=$(cat secret.txt) docs/examples/sign_request.sh \
#       http://localhost:5005/webhooks/signed/webhook crm-2026 \
#       '{"sender":"crm-42","message":"What are the opening hours of International House?"}'
#
# Prints the HTTP status on the first line, then the response body. The signature covers the
# exact bytes sent, so the body is written to a file once and curl sends that file unchanged.
# The secret comes from the environment (never a command-line argument of this script); note that
# `openssl dgst -hmac` receives it as an argument, visible to other users of the machine in `ps`:
# run this on a machine you trust, or use sign_request.py.
set -euo pipefail

if [[ $# -ne 3 || -z "${WEBHOOK_SECRET:-}" ]]; then
  echo "usage: WEBHOOK_SECRET=... $0 URL KEY_ID 'JSON BODY'" >&2
  exit 2
fi
url=$1 key_id=$2 body=$3

body_file=$(mktemp)
trap 'rm -f "$body_file"' EXIT
printf '%s' "$body" > "$body_file"

timestamp=$(date +%s)
nonce=$(openssl rand -hex 16)
digest=$({ printf '%s.%s.' "$timestamp" "$nonce"; cat "$body_file"; } \
  | openssl dgst -sha256 -hmac "$WEBHOOK_SECRET" | awk '{print $NF}')

response=$(curl --silent --show-error --max-time 60 --write-out '\n%{http_code}' \
  -H 'Content-Type: application/json' \
  -H "X-Signature-Key-Id: $key_id" \
  -H "X-Signature-Timestamp: $timestamp" \
  -H "X-Signature-Nonce: $nonce" \
  -H "X-Signature: v1=$digest" \
  --data-binary "@$body_file" "$url")
echo "${response##*$'\n'}"   # the status
echo "${response%$'\n'*}"    # the body

#!/usr/bin/env bash
# The system packages some tests need, the same steps .ci/run takes (`make test-deps` runs this; needs root
# and apt-get for the Debian packages, npm for s3rver). A test whose package is missing is skipped, and
# `make test` ends by listing what it skipped.
#   docker-compose      the compose test validates docker-compose.yaml for real
#   chromium            the report and Data Docs are rendered in a real headless browser
#   postgresql, redis   the distributed test runs news_ingest on two Celery workers
#   s3rver (npm)        the object-store test sends the lake's copy over the S3 protocol
set -uo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} (Debian packages)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null 2>&1 \
      || echo "warning: could not install ${missing[*]}; the tests that need them will be skipped"
  else
    echo "warning: ${missing[*]} missing; run this as root on Debian (sudo make test-deps) to install them"
  fi
fi

if command -v npm >/dev/null 2>&1; then
  if [ ! -e .cache/s3rver/node_modules/.bin/s3rver ]; then
    (mkdir -p .cache/s3rver && npm install --silent --no-audit --no-fund --prefix .cache/s3rver s3rver@3.7.1) \
      >/dev/null 2>&1 || echo "warning: could not install s3rver; the S3 protocol test will be skipped"
  fi
else
  echo "warning: npm missing (Debian: apt-get install npm); the S3 protocol test will be skipped"
fi
exit 0

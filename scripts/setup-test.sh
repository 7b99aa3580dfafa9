#!/usr/bin/env bash
# Installs what the test suite needs and this machine lacks (Debian 12):
#   redis-server        every test that touches Redis starts a private one
#   chromium            the browser test (test/browser/)
#   fonts-wqy-microhei  Chinese glyphs for the pages' zh-CN screenshots (Chromium has none of its own)
#   baresip-core        the SIP phones of the real-switch tier (test/switch/)
#   haproxy             the load balancer in front of several gateway instances (test/scale/)
#   PostgreSQL          the call-record tests (127.0.0.1:5432, trust auth): started if it stopped
#   FreeSWITCH 1.10.12  the real-switch tier, from the prebuilt bundle in ../shared/freeswitch
#                       when that directory exists (CI and the project's machines). Elsewhere, bring
#                       your own build and point FREESWITCH_BIN at it; without one the tier is skipped.
# Idempotent: when everything is there it does nothing (no apt-get update). Used by .ci/run and by
# the README's test line (npm run setup:test && npm test).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "setup-test: need root (or sudo) to run: $*" >&2; return 1
  fi
}

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
command -v baresip >/dev/null 2>&1 || missing+=(baresip-core)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-test: installing from Debian: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

FS_BIN=${FREESWITCH_BIN:-/opt/freeswitch/bin/freeswitch}
bundle=../shared/freeswitch/install.sh
if [ -x "$FS_BIN" ] && [ -z "${FREESWITCH_BIN:-}" ] && [ -f "$bundle" ]; then
  as_root "$bundle" | tail -n 1          # fast path (~30 ms) when 1.10.12 is complete
elif [ -x "$FS_BIN" ]; then
  echo "setup-test: FreeSWITCH at $FS_BIN"
elif [ -f "$bundle" ]; then
  echo "setup-test: installing the FreeSWITCH 1.10.12 bundle"
  as_root "$bundle"
else
  echo "setup-test: no FreeSWITCH at $FS_BIN and no bundle at $bundle: the real-switch tier will be skipped (set FREESWITCH_BIN to your build)"
fi

# The call-record tests create (and drop) databases of their own on the machine's PostgreSQL
# (127.0.0.1:5432, trust auth), which this kind of machine starts before the session: start it if it stopped.
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
fi

#!/usr/bin/env bash
# Runs the agent's Windows build (the qtsp-agent-VERSION-win-x64 folder of eng/package-agent.sh) under Wine on this
# Debian machine and checks that its hub answers on loopback. A throwaway Wine prefix; the settings in
# %APPDATA%\qtsp-agent\settings.json and the log folder on the command line, as install.ps1's Run key starts it. No PKCS#11
# module: the Windows vendor libraries it looks for are not there, so the hub lists no devices.
#   1. No display, so no notification area: one warning line, the agent runs headless and answers.
#   2. On an Xvfb display: the icon goes into Wine's notification area (explorer's tray), the agent answers, a second
#      start hands over to it.
# "Answers": GET / names the agent, and a page's SignalR connection over long polling (curl) negotiates, shakes hands
# and gets GetDevices' answer.
#
#   eng/test-agent-wine.sh FOLDER
#
#   AGENT_WINE_PORT      loopback port (default: a free one)
#   AGENT_WINE_TIMEOUT   seconds a start may take until the agent answers (default 90)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
folder=$(cd "${1:?usage: test-agent-wine.sh FOLDER (the win-x64 folder of eng/package-agent.sh)}" && pwd)
exe="$folder/Agent.exe"
[ -f "$exe" ] || { echo "FAIL: no Agent.exe in $folder" >&2; exit 1; }
timeout=${AGENT_WINE_TIMEOUT:-90}
origin="http://portal.test:5180"
work=$(mktemp -d)
agent_pid=
xvfb_pid=

"$root/eng/prerequisites.sh" wine

export WINEPREFIX="$work/prefix" WINEDEBUG=-all
# A crash ends the process instead of waiting in Wine's debugger; no menu entries or file types in the user's home.
run_overrides="winedbg.exe=d;winemenubuilder.exe=d"

cleanup() {
  set +e
  wineserver -k 2>/dev/null
  [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/agent.out" ] && { echo "-- the agent's output:" >&2; tail -n 30 "$work/agent.out" >&2; }
  echo "-- $(wine --version 2>&1) on $(. /etc/os-release && echo "$PRETTY_NAME")" >&2
  exit 1
}

port=${AGENT_WINE_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
url="http://127.0.0.1:$port"
if curl -fs "$url/" >/dev/null 2>&1; then fail "port $port is in use already"; fi

# The prefix without Wine Mono and Gecko (their installers would want a download or a dialog). Only here: at run time
# mscoree must stay, since Wine's loader hands .NET (IL-only) images to it - without it CoreCLR cannot load its own
# assemblies ("Could not load file or assembly ...System.Runtime.dll. Module not found").
started=$SECONDS
env -u DISPLAY -u WAYLAND_DISPLAY WINEDLLOVERRIDES="mscoree,mshtml=;$run_overrides" wine wineboot -i >"$work/wineboot.out" 2>&1 \
  || { cat "$work/wineboot.out" >&2; fail "wineboot could not create the Wine prefix"; }
users=("$WINEPREFIX"/drive_c/users/*/AppData)
user_folder=
for candidate in "${users[@]}"; do
  if [ -d "$candidate" ] && [ "$candidate" != "$WINEPREFIX/drive_c/users/Public/AppData" ]; then user_folder=$(dirname "$candidate"); fi
done
[ -n "$user_folder" ] || fail "the Wine prefix has no user profile"
user=$(basename "$user_folder")
prefix_seconds=$((SECONDS - started))

mkdir -p "$user_folder/AppData/Roaming/qtsp-agent"
jq -n --arg url "$url" --arg origin "$origin" '{Agent: {Url: $url, AllowedOrigins: [$origin]}}' \
  >"$user_folder/AppData/Roaming/qtsp-agent/settings.json"
logs_windows="C:\\users\\$user\\AppData\\Local\\qtsp-agent\\logs"
log="$user_folder/AppData/Local/qtsp-agent/logs/agent.log"

start_agent() { # ENV... : the agent as the Run key starts it, in the background
  (cd "$work" && exec env "$@" WINEDLLOVERRIDES="$run_overrides" wine "$exe" "--Agent:LogFolder=$logs_windows" >"$work/agent.out" 2>&1) &
  agent_pid=$!
}

stop_agent() {
  wineserver -k 2>/dev/null || true
  wait "$agent_pid" 2>/dev/null || true
  agent_pid=
}

wait_for_answer() {
  local deadline=$((SECONDS + timeout))
  until curl -fs -m 5 "$url/" >"$work/identity.json" 2>/dev/null; do
    kill -0 "$agent_pid" 2>/dev/null || fail "the agent exited under Wine before it answered on $url"
    [ $SECONDS -lt $deadline ] || fail "the agent did not answer on $url within $timeout s"
    sleep 0.5
  done
  grep -q '"qtsp-token-agent"' "$work/identity.json" || fail "$url/ answered $(cat "$work/identity.json"), not the agent's identity"
}

wait_for_line() { # TEXT FILE: a line the agent writes soon after it answers
  for _ in $(seq 1 40); do
    grep -qF "$1" "$2" 2>/dev/null && return 0
    sleep 0.25
  done
  fail "no \"$1\" in $2"
}

hub_answers() { # a page's connection: negotiate, handshake, GetDevices (no module, so an empty list)
  local token answer=""
  token=$(curl -fs -m 10 -X POST -H "Origin: $origin" "$url/hub/negotiate?negotiateVersion=1" | jq -r .connectionToken) \
    || fail "the hub's negotiate ($url/hub/negotiate) did not answer"
  [ -n "$token" ] && [ "$token" != null ] || fail "the hub's negotiate gave no connection token"
  printf '{"protocol":"json","version":1}\036' | curl -fs -m 10 -X POST -H "Origin: $origin" --data-binary @- "$url/hub?id=$token" >/dev/null \
    || fail "the hub refused the handshake"
  curl -fs -m 10 -H "Origin: $origin" "$url/hub?id=$token" >/dev/null || fail "no handshake answer from the hub"
  printf '{"type":1,"invocationId":"1","target":"GetDevices","arguments":[]}\036' \
    | curl -fs -m 10 -X POST -H "Origin: $origin" --data-binary @- "$url/hub?id=$token" >/dev/null || fail "the hub refused GetDevices"
  for _ in $(seq 1 10); do
    answer+=$(curl -fs -m 10 -H "Origin: $origin" "$url/hub?id=$token" | tr '\036' '\n') || true
    grep -q '"invocationId":"1"' <<<"$answer" && break
  done
  devices=$(jq -c 'select(.type == 3 and .invocationId == "1") | .result.value' <<<"$answer" 2>/dev/null) || true
  [ "$devices" = "[]" ] || fail "GetDevices answered ${answer:-nothing}"
  # A page of another origin is refused.
  [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Origin: http://evil.test" "$url/hub/negotiate?negotiateVersion=1")" = 403 ] \
    || fail "the hub did not refuse a page of another origin"
}

# 1. No display: no notification area, so headless after one warning line.
started=$SECONDS
start_agent -u DISPLAY -u WAYLAND_DISPLAY
wait_for_answer
headless_seconds=$((SECONDS - started))
hub_answers
wait_for_line "running headless" "$work/agent.out"
[ "$(grep -c "No system tray" "$work/agent.out")" = 1 ] || fail "without a display the agent should say once that it runs headless"
grep -q "Token agent listening on $url" "$log" || fail "the log folder ($logs_windows) holds no listening line"
stop_agent

# 2. On an Xvfb display: Wine's explorer keeps a notification area, which takes the icon.
Xvfb -displayfd 3 -nolisten tcp -screen 0 1024x768x24 3>"$work/display" 2>"$work/xvfb.out" &
xvfb_pid=$!
for _ in $(seq 1 40); do [ -s "$work/display" ] && break; sleep 0.25; done
[ -s "$work/display" ] || { cat "$work/xvfb.out" >&2; fail "Xvfb did not start"; }
display=":$(head -n 1 "$work/display")"
started=$SECONDS
start_agent DISPLAY="$display"
wait_for_answer
tray_seconds=$((SECONDS - started))
hub_answers
wait_for_line "Tray icon added to the notification area" "$work/agent.out"
! grep -q "No system tray" "$work/agent.out" || fail "on a display with Wine's notification area the agent ran headless"

started=$SECONDS
second=$(cd "$work" && env DISPLAY="$display" WINEDLLOVERRIDES="$run_overrides" wine "$exe" "--Agent:LogFolder=$logs_windows" 2>&1) \
  || fail "a second start failed: $second"
grep -q "already running at $url" <<<"$second" || fail "a second start said: $second"
handover_seconds=$((SECONDS - started))
stop_agent

echo "Windows agent under $(wine --version): the hub answered on $url headless (no display) and with the tray icon (Xvfb); a second start handed over. Wine prefix ${prefix_seconds} s, first answer ${headless_seconds} s, with the tray ${tray_seconds} s, second start ${handover_seconds} s, all ${SECONDS} s."

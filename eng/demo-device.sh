#!/usr/bin/env bash
# Creates (once) a demo secure device under DIR: two SoftHSM2 tokens that the PKCS#11 simulator
# (tests/Pkcs11Simulator) presents as one SafeNet eToken 5110 CC - a standard area with the CA's
# service key, and a qualified area with a user key pair and a qualified certificate from a demo CA.
#
#   eng/demo-device.sh DIR [HOLDER-NAME]
#   eng/demo-device.sh DIR --install-certificate CERT.der   (replaces the holder's qualified certificate, CKA_ID 01)
#   eng/demo-device.sh DIR --install-authentication-certificate CERT.der   (the standard area's, CKA_ID 02)
#
# The device's serial number is DEMO_DEVICE_SERIAL (default 5110CC0000000001), so the portal's demo data
# can name the same device; the service key's public key is left in DIR/service-key.pub.pem and the holder's
# qualified public key in DIR/holder.pub.pem for the same reason.
#
# DEMO_HOLDER_AUTH_KEY=yes also gives the holder an authentication key in the standard area (CKA_ID 02, its public key in
# DIR/holder-auth.pub.pem), for which the portal's demo data issues a commercial certificate: signing in with the token.
# DEMO_HOLDER_KEY=none makes a device as the CA hands it out: only the service key (a fresh token for the
# lifecycle's tests). DEMO_HOLDER_CERTIFICATE=none leaves the holder's key without a certificate: the run command has the portal's
# embedded CA issue it and installs it. The default (demo-ca) issues one from a throwaway CA made here, for the
# agent's tests, which need a device without a portal.
#
# Prints nothing but errors when DIR already holds a device. Secrets of the demo device (documented
# in README.md, never used for anything real): PIN 1234, PUK 12341234, QPIN 123456, QPUK 123456.
set -euo pipefail

dir=${1:?usage: demo-device.sh DIR [HOLDER-NAME]}
holder=${2:-Jan Novák}
label=${DEMO_TOKEN_LABEL:-JanNovak}
module=${SOFTHSM2_MODULE:-/usr/lib/softhsm/libsofthsm2.so}
pin=1234 puk=12341234 qpin=123456 qpuk=123456

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# Slot id and serial of the token labelled $1 (pkcs11-tool's --token-label matches prefixes, so use slots).
token_field() { softhsm2-util --show-slots | awk -v want="$1" -v field="$2" '
  /^Slot [0-9]+/ { slot = $2 }
  /Serial number:/ { serial = $3 }
  /Label:/ { sub(/^[ \t]*Label:[ \t]*/, ""); sub(/[ \t]+$/, ""); if ($0 == want) print (field == "slot" ? slot : serial) }'; }
p11() { pkcs11-tool --module "$module" "$@" >/dev/null 2>&1 || { echo "pkcs11-tool $* failed" >&2; pkcs11-tool --module "$module" "$@" >&2; exit 1; }; }

if [ "$holder" = --install-authentication-certificate ]; then
  certificate=${3:?usage: demo-device.sh DIR --install-authentication-certificate CERT.der}
  export SOFTHSM2_CONF="$dir/softhsm2.conf"
  standard_slot=$(token_field "$label" slot)
  name=$(openssl x509 -inform DER -in "$certificate" -noout -subject -nameopt utf8,sep_multiline | sed -n 's/^ *commonName=//p')
  pkcs11-tool --module "$module" --slot "$standard_slot" --login --pin "$pin" --delete-object --type cert --id 02 >/dev/null 2>&1 || true
  p11 --slot "$standard_slot" --login --pin "$pin" --write-object "$certificate" --type cert --id 02 --label "${name:-certificate}"
  exit 0
fi

if [ "$holder" = --install-certificate ]; then
  certificate=${3:?usage: demo-device.sh DIR --install-certificate CERT.der}
  export SOFTHSM2_CONF="$dir/softhsm2.conf"
  qualified_slot=$(token_field "$label (Digital Signature PIN)" slot)
  name=$(openssl x509 -inform DER -in "$certificate" -noout -subject -nameopt utf8,sep_multiline | sed -n 's/^ *commonName=//p')
  pkcs11-tool --module "$module" --slot "$qualified_slot" --login --pin "$qpin" --delete-object --type cert --id 01 >/dev/null 2>&1 || true
  p11 --slot "$qualified_slot" --login --pin "$qpin" --write-object "$certificate" --type cert --id 01 --label "${name:-certificate}"
  exit 0
fi

[ -f "$dir/p11sim.conf" ] && exit 0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$dir/tokens" "$dir/state" "$dir/ca"
mkdir -p "$dir/tokens" "$dir/state" "$dir/ca"
cat > "$dir/softhsm2.conf" <<CONF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = true
CONF
export SOFTHSM2_CONF="$dir/softhsm2.conf"

qlabel="$label (Digital Signature PIN)"
softhsm2-util --init-token --free --label "$label" --so-pin "$puk" --pin "$pin" >/dev/null
softhsm2-util --init-token --free --label "$qlabel" --so-pin "$qpuk" --pin "$qpin" >/dev/null

standard_slot=$(token_field "$label" slot)
qualified_slot=$(token_field "$qlabel" slot)


# The CA's service key, as the CA prepares every device before hand-over.
p11 --slot "$standard_slot" --login --pin "$pin" --keypairgen --key-type rsa:2048 \
    --label "SERVICE KEY" --id 5345525649434b4559 --usage-sign --sensitive
p11 --slot "$standard_slot" --read-object --type pubkey --id 5345525649434b4559 --output-file "$work/service.pub.der"
openssl pkey -pubin -inform DER -in "$work/service.pub.der" -out "$dir/service-key.pub.pem"

# The holder's qualified key: generated on the device, never extractable, PIN for every signature.
if [ "${DEMO_HOLDER_KEY:-yes}" != none ]; then
p11 --slot "$qualified_slot" --login --pin "$qpin" --keypairgen --key-type rsa:2048 \
    --label "$holder" --id 01 --usage-sign --sensitive --always-auth
p11 --slot "$qualified_slot" --read-object --type pubkey --id 01 --output-file "$work/holder.pub.der"
openssl pkey -pubin -inform DER -in "$work/holder.pub.der" -out "$dir/holder.pub.pem"

# The holder's authentication key in the standard area (PIN once per session, no per-signature PIN): it signs in.
if [ "${DEMO_HOLDER_AUTH_KEY:-no}" = yes ]; then
p11 --slot "$standard_slot" --login --pin "$pin" --keypairgen --key-type rsa:2048 \
    --label "$holder" --id 02 --usage-sign --sensitive
p11 --slot "$standard_slot" --read-object --type pubkey --id 02 --output-file "$work/holder-auth.pub.der"
openssl pkey -pubin -inform DER -in "$work/holder-auth.pub.der" -out "$dir/holder-auth.pub.pem"
fi

# A demo qualified CA and the holder's qualified certificate (QcCompliance, QcSSCD, QcType esign; QCP-n-qscd).
if [ "${DEMO_HOLDER_CERTIFICATE:-demo-ca}" != none ]; then
openssl req -x509 -newkey rsa:3072 -nodes -keyout "$dir/ca/ca.key" -out "$dir/ca/ca.pem" -days 3650 \
    -subj "/C=CZ/O=Demo Trust Services/CN=Demo Qualified CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
cat > "$work/qualified.ext" <<EXT
basicConstraints = critical,CA:FALSE
keyUsage = critical,nonRepudiation
certificatePolicies = 0.4.0.194112.1.2
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
1.3.6.1.5.5.7.1.3 = DER:30:29:30:08:06:06:04:00:8E:46:01:01:30:08:06:06:04:00:8E:46:01:04:30:13:06:06:04:00:8E:46:01:06:30:09:06:07:04:00:8E:46:01:06:01
EXT
# 'openssl x509' reads -subj byte by byte as Latin-1 (it has no -utf8 switch), so hand it Latin-1 bytes:
# it then writes a correct UTF8String. Holder names outside Latin-1 are refused here by iconv.
subject_latin1=$(printf '/C=CZ/CN=%s/serialNumber=PNOCZ-8001011234' "$holder" | iconv -f UTF-8 -t ISO-8859-1)
openssl x509 -new -subj "$subject_latin1" -force_pubkey "$dir/holder.pub.pem" \
    -CA "$dir/ca/ca.pem" -CAkey "$dir/ca/ca.key" -days 730 -extfile "$work/qualified.ext" \
    -outform DER -out "$work/holder.cert.der" 2>/dev/null
p11 --slot "$qualified_slot" --login --pin "$qpin" --write-object "$work/holder.cert.der" --type cert --id 01 --label "$holder"
fi
fi

# One physical device: the simulator presents both tokens with one serial, the way vendor middleware does.
standard_serial=$(token_field "$label" serial)
qualified_serial=$(token_field "$qlabel" serial)
device_serial=${DEMO_DEVICE_SERIAL:-5110CC0000000001}
{
  echo "module = $module"
  echo "state_dir = $dir/state"
  for s in "$standard_serial" "$qualified_serial"; do
    cat <<SIM
[token $s]
serial = $device_serial
manufacturer = SafeNet, Inc.
model = eToken 5110 CC
slot_description = SafeNet eToken 5110 CC 00$([ "$s" = "$standard_serial" ] || echo " (Digital Signature PIN)")
user_pin_max_tries = $([ "$s" = "$standard_serial" ] && echo 5 || echo 3)
so_pin_max_tries = $([ "$s" = "$standard_serial" ] && echo 0 || echo 3)
user_pin_to_be_changed = false
so_pin_to_be_changed = false
SIM
  done
} > "$dir/p11sim.conf.tmp"
mv "$dir/p11sim.conf.tmp" "$dir/p11sim.conf"

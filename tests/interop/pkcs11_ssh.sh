#!/usr/bin/env bash
# OpenSSH uses the Jeton PKCS#11 module as the README says: `ssh-keygen -D` prints the
# card's public keys for authorized_keys, and an ssh-agent holding the card (`ssh-add -s`,
# the PIN from an askpass program) signs with the 9A authentication key; `ssh-keygen -Y
# verify` checks that signature.
set -euo pipefail
source "$(dirname "$0")/pkcs11_common.bash"
require openssh-client ssh-keygen ssh-agent ssh-add

SERIAL=10000606
new_card $SERIAL
keypair 01 EC:prime256v1 # 9A: authentication
keypair 02 rsa:2048      # 9C: signature
# What ssh should print for each key: its OpenSSH form, then the key's CKA_LABEL.
{
    echo "$(ssh-keygen -i -m PKCS8 -f "$WORK/pub01.pem") Public key for PIV Authentication"
    echo "$(ssh-keygen -i -m PKCS8 -f "$WORK/pub02.pem") Public key for Digital Signature"
} >"$WORK/expected"
head -1 "$WORK/expected" | cut -d' ' -f1-2 >"$WORK/id_9a.pub"

# same_keys COMMAND...: the command lists exactly the expected keys.
same_keys() {
    local output
    output=$("$@") || return 1
    diff <(sort "$WORK/expected") <(sort <<<"$output")
}

check "ssh-keygen -D lists the two keys of the card" same_keys ssh-keygen -D "$MODULE"

printf '#!/bin/sh\necho %s\n' "$PIN" >"$WORK/askpass"
chmod +x "$WORK/askpass"
export SSH_AUTH_SOCK=$WORK/agent.sock
ssh-agent -D -a "$SSH_AUTH_SOCK" -P "$MODULE" >"$WORK/agent.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do [[ -S $SSH_AUTH_SOCK ]] && break; sleep 0.1; done

check "ssh-add -s adds the card to an ssh-agent (PIN from SSH_ASKPASS)" \
    env SSH_ASKPASS="$WORK/askpass" SSH_ASKPASS_REQUIRE=force ssh-add -s "$MODULE"
check "  ... ssh-add -L lists its keys" same_keys ssh-add -L
echo "alice@example.org $(cat "$WORK/id_9a.pub")" >"$WORK/allowed_signers"
check "ssh-keygen -Y sign with the 9A key, through the agent" \
    ssh-keygen -Y sign -f "$WORK/id_9a.pub" -n file "$WORK/msg"
check "  ... ssh-keygen -Y verify accepts the signature" bash -c '
    ssh-keygen -Y verify -f "$WORK/allowed_signers" -I alice@example.org -n file \
        -s "$WORK/msg.sig" <"$WORK/msg"'

finish

# One passphrase per provider key role, as `jeton ca` and `jeton server` take them
# (`--passphrase-file ROLE=FILE`, repeatable): `provider_keys DIR LABEL [--role-first]`
# writes DIR/passphrases/ROLE (mode 0600) for root, issuing, ocsp, tsa and audit, each
# different ("LABEL, ROLE key"; with --role-first "ROLE LABEL", the form
# crates/tsp/benches/issuance.rs derives from LABEL alone), and sets the array KEYS to the
# five options. Every command reads only the roles it needs (`jeton server` never the root's
# nor the audit key's), so scripts pass them all:
#   "$J" ca init "${KEYS[@]}";  "$J" ca issue ... "${KEYS[@]}";  "$J" server "${KEYS[@]}"
provider_keys() {
    local dir=$1/passphrases label=$2 role_first=${3:-} role
    mkdir -p -m 700 "$dir"
    KEYS=()
    for role in root issuing ocsp tsa audit; do
        if [[ $role_first == --role-first ]]; then
            (umask 077 && printf '%s %s\n' "$role" "$label" >"$dir/$role")
        else
            (umask 077 && printf '%s, %s key\n' "$label" "$role" >"$dir/$role")
        fi
        KEYS+=(--passphrase-file "$role=$dir/$role")
    done
}

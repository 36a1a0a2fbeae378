## Key slots, keys, signatures and certificates on the card.

status-no-keys = {"  "}No key on the card.
status-slot-no-key = no key
status-slot-with-policy = {"  "}Slot { $slot } ({ $name }): { $key }, PIN { $policy }
status-slot = {"  "}Slot { $slot } ({ $name }): { $key }
status-certificate =
    {"    "}certificate: { $subject }
    {"    "}issued by:   { $issuer }
    {"    "}valid from { $not_before } to { $not_after }
status-no-certificate = {"    "}no certificate
status-certificate-id =
    {"    "}serial { $serial }
    {"    "}SHA-256 fingerprint { $fingerprint }
status-certificate-expired = {"    "}EXPIRED since { $until }: have a new certificate issued
status-certificate-not-yet-valid = {"    "}NOT YET VALID: valid only from { $from }
status-certificate-key-mismatch = {"    "}does NOT match the key of slot { $slot }: signatures will be rejected; import the new key's certificate
key-generated = Key { $alg } generated in slot { $slot }.
key-signed = Signed with the key of slot { $slot } (SHA-256).
certificate-imported = Certificate stored in slot { $slot }.
certificate-removed = The certificate of the previous key was removed from slot { $slot }: have the new key certified, then `jeton cert import --slot { $slot }`.
key-generate-loses = Slot { $slot } holds a key certified for { $subject }. A new key replaces it for good, and its certificate is removed: a new certificate must then be issued for the new key.
slot-authentication = authentication
slot-signature = signature
slot-key-management = key management
slot-card-authentication = card authentication
slot-retired = retired key
pin-policy-never = never needed
pin-policy-once = once per session
pin-policy-always = before every use
signature-to-terminal = the signature is binary and stdout is a terminal: give --out FILE, or pipe the output
not-a-certificate = { $path } is not an X.509 certificate in PEM or DER
certificate-key-mismatch = this certificate is for another key than the one in slot { $slot }: nothing was stored
no-key-in-slot = no key in slot { $slot }: generate one with `jeton key generate --slot { $slot }`
no-certificate-in-slot = no certificate in slot { $slot }
certificate-corrupt = the certificate in slot { $slot } is not readable X.509: import it again
slot-unknown = unknown slot { $slot }: use 9a (authentication), 9c (signature), 9d, 9e, or 82 to 95
algorithm-unknown = unknown key algorithm { $alg }: use p256, p384, rsa2048, rsa3072 or rsa4096
no-key-in-this-slot = no key in this slot: generate one with `jeton key generate`
certificate-compressed = the certificate on the card is compressed, which Jeton does not read: import it again uncompressed

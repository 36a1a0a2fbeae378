## The provider: its CA, its keys and their passphrases, its storage and configuration.

ca-made = { $name } ({ $role }): serial { $serial }, { $subject }
config-readable = WARNING: { $path } has mode { $mode }: other users of this machine can read the provider's configuration. It holds no secret today, but it would be refused if its [storage] url carried a password: run `{ $fix }`
ca-ready = The provider is set up; its keys and database are in { $dir }.
ca-next-steps =
    { $wrote }
    Next steps:
    {"  "}Back up: { $keys }; { $dir }/tsp.sqlite (or your database), { $dir }/audit-key.pub.pem and { $config }.
    {"  "}Issue a holder's certificate:
    {"    "}jeton ca issue --profile qualified-signing --public-key 9c.pub.pem --subject 'C=FR,GN=Jeanne,SN=Dupont,serialNumber=PNOFR-1850775123456,CN=Jeanne Dupont' --out 9c.crt
    {"  "}Serve OCSP, CRLs and time-stamps (the [server] table of { $config }):
    {"    "}jeton server --listen localhost:8080
    {"  "}See what was issued: jeton ca list
ca-finished-earlier-run = An earlier `jeton ca init` was interrupted after its records were written: its set-up is now in place.
ca-issued = Issued { $profile } certificate { $serial } for { $subject }.
ca-revoked = Certificate { $serial } revoked ({ $reason }) since { $at }; this cannot be undone.
ca-revoked-future = Certificate { $serial } will be revoked ({ $reason }) on { $at }; this cannot be undone.
ca-already-revoked = Nothing changed: certificate { $serial } has been revoked ({ $reason }) since { $at }, and a revocation in effect is never rewritten (only its reason may be raised to key-compromise).
ca-already-revoked-planned = Nothing changed: certificate { $serial } is already to be revoked ({ $reason }) on { $at }; a later date never postpones it.
ca-revocation-advanced = The revocation of certificate { $serial }, planned for { $from } ({ $old_reason }), now takes effect from { $at } ({ $reason }).
ca-reason-raised = The revocation reason of certificate { $serial } was raised from { $old_reason } to key-compromise; it stays revoked from { $at }, and nothing else changed.
ca-listed = { $name }	{ $role }	key { $key }
certificate-listed = { $ca }	{ $serial }	{ $profile }	{ $status }	until { $until }	{ $subject }
crl-signed = CRL number { $number } of { $ca } signed, with { $entries } revoked certificate(s).
prompt-passphrase = Passphrase of the { $key } (or its token's PIN)
prompt-passphrase-new = New passphrase of the { $key }, its own (or its token's PIN)
prompt-passphrase-confirm = Passphrase of the { $key } again
key-role-root = root CA key
key-role-issuing = issuing CA key
key-role-ocsp = OCSP responder key
key-role-tsa = time-stamping unit key
key-role-audit = audit log key
missing-passphrase = the passphrase of the { $key } (secrets are read in the order root, issuing, ocsp, tsa, audit: only those the command needs)
missing-passphrase-new = the new passphrase of the { $key } (`ca init` reads each new passphrase then its confirmation, in the order root, issuing, ocsp, tsa, audit)
missing-passphrase-confirm = the confirmation of the passphrase of the { $key }
passphrase-too-long = the passphrase given is far too long
passphrase-confirmation-differs = the new passphrase and its confirmation differ: nothing was changed, try again
passphrase-rule = a passphrase for the key files needs at least 12 characters, 6 of them different, and no run such as abcdef or 654321
passphrase-too-short = the passphrase of the { $key } has only { $n } characters: { $rule }
passphrase-too-few-distinct = the passphrase of the { $key } has only { $n } different characters: { $rule }
passphrase-sequence = the passphrase of the { $key } is a run of consecutive characters: { $rule }
passphrase-same = the { $a } and the { $b } were given the same passphrase: each key needs its own, so that one passphrase found opens one key; nothing was made
secret-not-given = this needs the { $key }, whose secret was not given (--passphrase-file { $role }=FILE)
root-issues-ca-only = the root CA issues only CA certificates: issue the { $profile } certificate from the issuing CA (--ca issuing)
provider-incomplete =
    no complete provider here; missing:
    {"  "}{ $missing }
    Run `jeton ca init` to set it up, or to finish an interrupted set-up.
provider-in-the-way = { $path } exists but holds no provider: move it away, then run `jeton ca init` again
permissions-too-open = { $path } has mode { $mode }: other users of this machine can reach it, and the provider's folders must be 0700, its database and key files 0600; nothing was done: run `{ $fix }`
permissions-config-writable = { $path } has mode { $mode }: other users can change the provider's configuration (its database, the URLs in its certificates); nothing was done: run `{ $fix }`
permissions-config-password = { $path } has mode { $mode } and carries the database's password: other users can read it; nothing was done: run `{ $fix }`
permissions-io = { $path }: { $error }
ca-error = CA: { $error }
revocation-before-validity = certificate { $serial }: a revocation cannot be dated { $at }, before the certificate was valid (notBefore { $not_before })
revocation-in-past = certificate { $serial }: a revocation cannot be dated { $at }, in the past (now { $now }): the revocation date is when the provider processes it (RFC 5280); give a suspected earlier compromise with --invalidity-date
invalidity-date-in-future = certificate { $serial }: the invalidity date { $date } is in the future (now { $now }): it is when the key is known or suspected to have been compromised
config-error = { $error }
bad-time = { $text } is not a time: use 2026-12-31, 2026-12-31T18:00:00Z (UTC) or @UNIXTIME
bad-serial = { $text } is not a serial number: give it in hexadecimal, as `openssl x509 -noout -serial` prints it (colons allowed)
unknown-reason = unknown revocation reason { $text }: use one of unspecified, key-compromise, ca-compromise, affiliation-changed, superseded, cessation-of-operation, privilege-withdrawn, aa-compromise
not-a-public-key = { $path }: not a public key in PEM
ca-next-steps-wrote-config =
    {""}
    { $config } did not exist: a commented default was written there and used. Edit it before issuing for real (the CAs' names are set; the rest can change).
    {""}
ca-next-steps-keys-on-token = the keys are on the token: keep its PIN and, if it allows, a backup of the token
ca-next-steps-keys-in-files = { $dir }/keys/ and { $dir }/audit/ (the encrypted keys) and their five passphrases, kept apart
ca-next-steps-root-online = { $keys }; the root key is in the provider folder: for a real provider, set it up with --root-dir (a folder that is not the server's) or --root-pkcs11, so that the online server never holds it
ca-key-file = CA: key { $path }: { $error }
ca-io = CA: { $path }: { $error }
ca-key-exists = CA: { $path } already exists: the provider is already set up here (keys are never overwritten)
ca-already-initialised = CA: the provider is already set up in this database (CA { $name } exists)
ca-key-reference = CA: key reference { $reference }: give a file path or a pkcs11: URI (RFC 7512) with token=, id= and ?module-path=
ca-no-pkcs11 = CA: this jeton was built without PKCS#11 support for CA keys: rebuild with `--features jeton/pkcs11-ca`
ca-unknown-profile = CA: no certificate profile { $profile }: use qualified-signing, authentication, ocsp-responder or tsa
ca-profile-of-a-ca = CA: profile { $profile } is for the provider's own CAs, made by `jeton ca init`
ca-subject = CA: subject: { $why }
ca-not-a-public-key = CA: { $path }: not a public key (PEM "PUBLIC KEY" or DER SubjectPublicKeyInfo)
ca-certificate-corrupt = CA: the stored certificate of { $name } does not parse
ca-key-mismatch = CA: the key at { $key } does not match CA { $name }'s certificate
ca-no-role = CA: CA { $name } has the profile { $profile }, which is no key role of the provider
store-bad-url = provider storage: database URL { $url }: use sqlite:///path/to/file.sqlite or postgres://user@host/db
store-database = provider storage: database: { $error }
store-migration = provider storage: database schema migration: { $error }
store-unknown-ca = provider storage: no CA named { $name }: `jeton ca list` shows them
store-ca-exists = provider storage: a CA named { $name } already exists
store-unknown-certificate = provider storage: CA { $ca } never issued a certificate with serial { $serial }
store-duplicate-serial = provider storage: CA { $ca } already recorded serial { $serial }
store-corrupt = provider storage: the database holds a value Jeton never writes ({ $what }): was it edited by hand?
store-audit-head-unsigned = provider storage: signing the audit log's head: { $error }
store-heads-archive = provider storage: the change is recorded, but its signed audit head could not be appended to { $path }: { $error }

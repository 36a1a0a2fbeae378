## `jeton demo`: the first-use guide's story.

demo-home = Jeton demo: the first-use guide's story, for real, on a virtual card in { $path }
demo-step =
    {""}
    Step { $n }: { $what }
demo-refused = {"    "}refused, as expected: { $reason }
demo-verified = {"    "}OpenSSL verifies the signature of slot { $slot }: OK
demo-revoked-on-crl = {"    "}The issuing CA's CRL verifies and lists certificate { $serial } as revoked: it will never be valid again.
demo-right-pin-refused = {"  "}Now even the right PIN is refused:
demo-passed =
    {""}
    Every step behaved as the guide says.
demo-provider-keys = The provider's five keys (root, issuing CA, OCSP responder, time-stamping unit, audit log) each get their own passphrase; the root key goes to { $dir }, outside the server's folder, as on a medium kept offline.
demo-step-create-card = the provider makes the holder's card, with a temporary PIN sent by SMS and an unblock code kept by support.
demo-step-issue-certificates = the provider generates the authentication key (9A) and the signature key (9C) on the card, and issues their certificates.
demo-step-status = the holder looks at the card.
demo-step-sign-with-temporary-pin = the holder tries to sign with the temporary PIN: the card refuses.
demo-step-change-pin = the holder changes the temporary PIN for an alphanumeric PIN (old PIN, new PIN, confirmation).
demo-step-sign = the holder signs a document with 9A and with 9C.
demo-step-three-wrong-pins = three wrong PINs: the PIN is blocked.
demo-step-unblock = support sends the unblock code by SMS; the holder sets a new PIN with it and signs again.
demo-step-dead = three wrong PINs again, then three wrong unblock codes: the certificate is blocked for good.
demo-step-final-status = the final status.
demo-step-lost-token = the holder reports the token lost: the provider revokes the signature certificate at once and publishes its CRL.
demo-off-story = the demo went off the guide's story: { $what }
